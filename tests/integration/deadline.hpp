#pragma once
// The deadline every wait of the integration tests takes, written as "so long from now".
#include <chrono>

namespace katabot::test {

using Deadline = std::chrono::steady_clock::time_point;
inline Deadline deadline_in(std::chrono::milliseconds span) { return std::chrono::steady_clock::now() + span; }

}  // namespace katabot::test
