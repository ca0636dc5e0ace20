// The goodput table (tests/sim/golden/goodput.txt, from `ustack sim --table`): every row meets
// its bar — no loss >= 95% of the link rate, under loss >= the Mathis bound (capped by what the
// link can carry), byte-identical, no RTO back-off chain longer than 3 — and cheap rows run
// again give the same lines, so the file cannot go stale silently.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "sim/goodput_table.h"
#include "sim_util.h"

namespace ustack::sim {
namespace {

std::string golden_path() {
    const char* dir = std::getenv("USTACK_SOURCE_DIR");
    return std::string(dir != nullptr ? dir : ".") + "/tests/sim/golden/goodput.txt";
}

std::vector<std::string> golden_lines() {
    std::istringstream in(testing::read_file(golden_path()));
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        if (!line.empty() && line.front() != '#') lines.push_back(line);
    return lines;
}

TEST(GoodputTable, GoldenFileHasEveryRow) {
    const auto lines = golden_lines();
    const auto rows = goodput_table_rows();
    ASSERT_EQ(lines.size(), rows.size()) << golden_path();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto p = parse_table_line(lines[i]);
        ASSERT_TRUE(p) << lines[i];
        EXPECT_EQ(p->row.rate_bps, rows[i].rate_bps) << lines[i];
        EXPECT_EQ(p->row.rtt, rows[i].rtt) << lines[i];
        EXPECT_NEAR(p->row.loss, rows[i].loss, 1e-12) << lines[i];
    }
}

TEST(GoodputTable, EveryRowMeetsItsBar) {
    const auto lines = golden_lines();
    ASSERT_FALSE(lines.empty()) << "no rows in " << golden_path();
    for (const std::string& line : lines) {
        const auto p = parse_table_line(line);
        ASSERT_TRUE(p) << line;
        const double rate_mbps = static_cast<double>(p->row.rate_bps) / 1e6;
        EXPECT_TRUE(p->byte_identical) << line;
        if (p->row.loss <= 0.05) {
            EXPECT_LE(p->longest_rto_chain, 3u) << line;
        }
        double bar = 0.95 * rate_mbps;
        if (p->row.loss > 0) {
            // The bar in the file is recomputed here, not trusted.
            bar = std::min(p->mathis_mbps, 0.95 * (1 - p->row.loss) * rate_mbps);
            EXPECT_NEAR(p->bar_mbps, bar, 0.0011) << line;
        }
        EXPECT_GE(p->goodput_mbps, bar) << line;
    }
}

TEST(GoodputTable, CheapRowsRunAgainGiveTheGoldenLines) {
    const auto lines = golden_lines();
    const auto rows = goodput_table_rows();
    ASSERT_EQ(lines.size(), rows.size());
    int checked = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        // 10 Mbit/s at RTT 1 and 20 ms: a few seconds under the sanitizers.
        if (rows[i].rate_bps != 10'000'000 || rows[i].rtt > Duration::millis(20)) continue;
        if (rows[i].loss != 0.0 && rows[i].loss != 0.01) continue;
        EXPECT_EQ(format_table_line(run_table_row(rows[i])), lines[i]);
        ++checked;
    }
    EXPECT_EQ(checked, 4);
}

TEST(GoodputTable, MathisBound) {
    // 1448-byte segments, 100 ms, 1%: 1448 x 8 / 0.1 x 1.22 / 0.1 = 1.413 Mbit/s.
    EXPECT_NEAR(mathis_bps(1448, Duration::millis(100), 0.01), 1'413'248.0, 0.5);
}

}  // namespace
}  // namespace ustack::sim
