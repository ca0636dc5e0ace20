#include "cli/print_command.h"

#include <cstdio>

#include <fmt/format.h>

#include "capture/line_printer.h"
#include "capture/pcap_reader.h"

namespace ustack::cli {
namespace {

constexpr std::size_t kFlushBytes = 1 << 16;

capture::PrintOptions print_options(const PrintArgs& args) {
    capture::PrintOptions o;
    o.numeric = args.numeric;
    o.verbose = args.verbose;
    o.absolute_seq = args.absolute_seq;
    o.link_header = args.link_header;
    o.quiet = args.quiet;
    o.nanoseconds = args.nano;
    using capture::TimeFormat;
    constexpr TimeFormat kByCount[] = {TimeFormat::TimeOfDay, TimeFormat::None,
                                       TimeFormat::Epoch,     TimeFormat::DeltaPrevious,
                                       TimeFormat::DateTime,  TimeFormat::DeltaFirst};
    o.time = kByCount[std::min(args.time, 5)];
    return o;
}

std::string join(const std::vector<std::string>& words, std::size_t from) {
    std::string s;
    for (std::size_t i = from; i < words.size(); ++i) {
        if (!s.empty()) s += ' ';
        s += words[i];
    }
    return s;
}

bool write_out(std::string& out) {
    bool ok = std::fwrite(out.data(), 1, out.size(), stdout) == out.size();
    out.clear();
    return ok;
}

}  // namespace

CLI::App* add_print_command(CLI::App& app, PrintArgs& args) {
    auto* cmd = app.add_subcommand(
        "print",
        "Print a capture file (pcap or pcapng) exactly as `tcpdump -r FILE` would, with the same "
        "flags. An optional filter expression in libpcap's language follows the file.");
    cmd->add_option("words", args.words, "FILE, then an optional filter expression")
        ->type_name("FILE [EXPR...]");
    cmd->add_option("-r", args.read_file, "Read packets from FILE (as tcpdump -r)")
        ->type_name("FILE");
    cmd->add_flag("-n", args.numeric,
                  "Do not convert host addresses to names; -nn: nor port numbers");
    cmd->add_flag("-v", args.verbose,
                  "Verbose: IP header details and checksum verdicts (-vv, -vvv: more)");
    cmd->add_flag("-S", args.absolute_seq, "Print absolute, not relative, TCP sequence numbers");
    cmd->add_flag("-e", args.link_header, "Print the link-level header on each line");
    cmd->add_flag("-q", args.quiet, "Quick output: less protocol information");
    cmd->add_flag("-t", args.time,
                  "-t: no timestamp; -tt: seconds since the epoch; -ttt: delta since the "
                  "previous line; -tttt: date and time; -ttttt: delta since the first line");
    cmd->add_option("-c", args.count, "Exit after printing N packets")->type_name("N");
    cmd->add_flag("--nano", args.nano, "Show timestamps with nanosecond resolution");
    return cmd;
}

int run_print(const PrintArgs& args) {
    std::string path = args.read_file;
    std::size_t expression_from = 0;
    if (path.empty()) {
        if (args.words.empty()) {
            fmt::print(stderr, "ustack print: no capture file given (ustack print FILE)\n");
            return 1;
        }
        path = args.words[0];
        expression_from = 1;
    }
    auto reader = capture::PcapReader::open(path);
    if (!reader) {
        fmt::print(stderr, "ustack print: {}\n", reader.error());
        return 1;
    }
    std::string expression = join(args.words, expression_from);
    if (!expression.empty()) {
        if (auto ok = reader->set_filter(expression); !ok) {
            fmt::print(stderr, "ustack print: {}\n", ok.error());
            return 1;
        }
    }
    // tcpdump's first line, on stderr, so that stdout holds only packets.
    fmt::print(stderr, "reading from file {}, link-type {} ({}), snapshot length {}\n", path,
               reader->link_type_name(), reader->link_type_description(), reader->snaplen());

    capture::LinePrinter printer(reader->link_type(), print_options(args));
    std::string out;
    out.reserve(kFlushBytes * 2);
    std::uint64_t printed = 0;
    int status = 0;
    while (!args.count || printed < *args.count) {
        auto record = reader->next();
        if (!record) {
            write_out(out);
            std::fflush(stdout);
            fmt::print(stderr, "ustack print: {}\n", record.error());
            status = 1;
            break;
        }
        if (!*record) break;
        printer.print(**record, out);
        ++printed;
        if (out.size() >= kFlushBytes && !write_out(out)) break;
    }
    if (!write_out(out) || std::fflush(stdout) != 0) {
        fmt::print(stderr, "ustack print: cannot write the output\n");
        return 1;
    }
    return status;
}

}  // namespace ustack::cli
