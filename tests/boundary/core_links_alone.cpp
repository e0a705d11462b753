// Linked with every object of katabot_core and nothing of the drivers (see CMakeLists.txt): an
// undefined reference here names a core file that calls into katabot_bot.
int main() { return 0; }
