#pragma once
// The completion token of our network operations: the error comes back as an error_code in a tuple
// (error_code on the network path, architecture.md), never as an exception. One definition for
// every driver. Asio-heavy: include it from drivers' .cpp files only.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace katabot {

inline constexpr auto no_throw = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace katabot
