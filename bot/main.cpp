#include "bot/entry.hpp"

int main(int argc, char** argv) { return katabot::run_katabot(argc, argv); }
