// Initial sequence numbers per RFC 6528 (ISN = M + F(4-tuple, secret)), F being SipHash-2-4
// over the 4-tuple packed into whole words.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/rng.h"
#include "base/siphash.h"
#include "base/time.h"
#include "wire/seq_num.h"

namespace ustack::tcp {

// One per Stack. Holds only the secret key, so generating is a pure function of its inputs.
class IsnGenerator {
  public:
    // RFC 6528 §3: the secret key is "a randomly chosen value"; ours is 128 bits from the Rng.
    explicit IsnGenerator(Rng& rng);
    // A fixed key (tests, or restoring a stack's secret).
    explicit IsnGenerator(SipHashKey key) : key_(key) {}

    // RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where M is
    // a timer that ticks every 4 microseconds (taken from `now`) and F is SipHash-2-4 truncated
    // to 32 bits. Addresses are the raw 4 (IPv4) or 16 (IPv6) bytes in network order; ports are
    // host-order numbers. Addresses longer than 16 bytes are truncated to 16.
    wire::SeqNum generate(Bytes local_addr, std::uint16_t local_port, Bytes remote_addr,
                          std::uint16_t remote_port, Instant now) const;

  private:
    SipHashKey key_;  // the RFC 6528 secretkey; fixed for the generator's life
};

}  // namespace ustack::tcp
