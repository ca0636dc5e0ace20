// ustack: the command-line entry point. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include "cli/connect_command.h"
#include "cli/demo_command.h"
#include "cli/get_command.h"
#include "cli/ping_command.h"
#include "cli/print_command.h"
#include "cli/serve_command.h"
#include "cli/sim_command.h"
#include "cli/stat_command.h"

int main(int argc, char** argv) {
    CLI::App app{
        "ustack: a user-space TCP/IP stack you can see into, and the tools that make "
        "TCP visible."};
    app.require_subcommand(1);
    app.set_version_flag("--version", "ustack 0.1");

    ustack::cli::PrintArgs print_args;
    auto* print = ustack::cli::add_print_command(app, print_args);
    ustack::cli::DemoArgs demo_args;
    auto* demo = ustack::cli::add_demo_command(app, demo_args);
    ustack::cli::SimArgs sim_args;
    auto* sim = ustack::cli::add_sim_command(app, sim_args);
    ustack::cli::ServeArgs serve_args;
    auto* serve = ustack::cli::add_serve_command(app, serve_args);
    ustack::cli::GetArgs get_args;
    auto* get = ustack::cli::add_get_command(app, get_args);
    ustack::cli::ConnectArgs connect_args;
    auto* connect = ustack::cli::add_connect_command(app, connect_args);
    ustack::cli::PingArgs ping_args;
    auto* ping = ustack::cli::add_ping_command(app, ping_args);
    ustack::cli::StatArgs stat_args;
    auto* stat = ustack::cli::add_stat_command(app, stat_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; bad input is reported by CLI11 and exits 1.
        return app.exit(e) == 0 ? 0 : 1;
    }
    if (print->parsed()) return ustack::cli::run_print(print_args);
    if (demo->parsed()) return ustack::cli::run_demo(demo_args);
    if (sim->parsed()) return ustack::cli::run_sim(sim_args);
    if (serve->parsed()) return ustack::cli::run_serve(serve_args);
    if (get->parsed()) return ustack::cli::run_get(get_args);
    if (connect->parsed()) return ustack::cli::run_connect(connect_args);
    if (ping->parsed()) return ustack::cli::run_ping(ping_args);
    if (stat->parsed()) return ustack::cli::run_stat(stat_args);
    return 1;
}
