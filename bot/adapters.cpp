#include "bot/adapters.hpp"

namespace katabot {

std::vector<std::unique_ptr<ChatAdapter>> make_adapters(boost::asio::any_io_executor, const Config&,
                                                        const InboundHandler&, Metrics&, const Clock&) {
  std::vector<std::unique_ptr<ChatAdapter>> adapters;
  return adapters;
}

}  // namespace katabot
