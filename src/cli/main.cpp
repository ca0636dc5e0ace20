// ustack: the command-line entry point; one file per subcommand.
int main() { return 0; }
