// State names as RFC 9293 §3.3.2 and netstat-style tools print them.
#include "tcp/state.h"

#include <gtest/gtest.h>

namespace ustack::tcp {
namespace {

TEST(State, ToStringGivesRfcNames) {
    EXPECT_EQ(to_string(State::Closed), "CLOSED");
    EXPECT_EQ(to_string(State::Listen), "LISTEN");
    EXPECT_EQ(to_string(State::SynSent), "SYN-SENT");
    EXPECT_EQ(to_string(State::SynReceived), "SYN-RECEIVED");
    EXPECT_EQ(to_string(State::Established), "ESTABLISHED");
    EXPECT_EQ(to_string(State::FinWait1), "FIN-WAIT-1");
    EXPECT_EQ(to_string(State::FinWait2), "FIN-WAIT-2");
    EXPECT_EQ(to_string(State::CloseWait), "CLOSE-WAIT");
    EXPECT_EQ(to_string(State::Closing), "CLOSING");
    EXPECT_EQ(to_string(State::LastAck), "LAST-ACK");
    EXPECT_EQ(to_string(State::TimeWait), "TIME-WAIT");
}

TEST(State, SynchronizedStatesAreEstablishedThroughTimeWait) {
    EXPECT_FALSE(is_synchronized(State::Closed));
    EXPECT_FALSE(is_synchronized(State::Listen));
    EXPECT_FALSE(is_synchronized(State::SynSent));
    EXPECT_FALSE(is_synchronized(State::SynReceived));
    EXPECT_TRUE(is_synchronized(State::Established));
    EXPECT_TRUE(is_synchronized(State::FinWait1));
    EXPECT_TRUE(is_synchronized(State::CloseWait));
    EXPECT_TRUE(is_synchronized(State::TimeWait));
}

}  // namespace
}  // namespace ustack::tcp
