// SocketSet: the Reactor sockets one application server holds (`ustack stat` adds their write
// queues to Send-Q).
#pragma once

#include <algorithm>
#include <vector>

#include "sock/handles.h"

namespace ustack::app {

// A small unordered set (servers hold at most thousands; removal swaps with the last).
class SocketSet {
  public:
    void insert(sock::SocketId id) { ids_.push_back(id); }
    void erase(sock::SocketId id) {
        const auto it = std::find(ids_.begin(), ids_.end(), id);
        if (it == ids_.end()) return;
        *it = ids_.back();
        ids_.pop_back();
    }
    bool contains(sock::SocketId id) const {
        return std::find(ids_.begin(), ids_.end(), id) != ids_.end();
    }
    const std::vector<sock::SocketId>& ids() const { return ids_; }
    std::size_t size() const { return ids_.size(); }

  private:
    std::vector<sock::SocketId> ids_;
};

}  // namespace ustack::app
