// Printing of handles and endpoints, for logs and test failure messages.
#include "stack/handles.h"

#include <ostream>

namespace ustack::stack {

std::ostream& operator<<(std::ostream& os, const ConnId& id) {
    return os << "conn#" << id.index << "." << id.generation;
}

std::ostream& operator<<(std::ostream& os, const ListenerId& id) {
    return os << "listener#" << id.index << "." << id.generation;
}

std::ostream& operator<<(std::ostream& os, const Endpoint& ep) {
    if (ep.address.is_v6()) return os << "[" << ep.address << "]:" << ep.port;
    return os << ep.address << ":" << ep.port;
}

}  // namespace ustack::stack
