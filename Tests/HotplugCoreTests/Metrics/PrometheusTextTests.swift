import Testing
@testable import HotplugCore

/// The text format's rules, which node_exporter's parser holds us to.
struct PrometheusTextTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("back\\slash", "back\\\\slash"),
        ("say \"hi\"", "say \\\"hi\\\""),
        ("two\nlines", "two\\nlines"),
        ("\\\"\n", "\\\\\\\"\\n"),
        // Only those three: a tab, a carriage return and Unicode stay as they are.
        ("tab\there\r", "tab\there\r"),
        ("gamelink\u{301}ü", "gamelink\u{301}ü"),
        ("", ""),
    ])
    func labelValuesEscapeBackslashQuoteAndNewline(_ value: String, _ escaped: String) {
        #expect(PrometheusText.escapedLabelValue(value) == escaped)
    }

    @Test func helpEscapesBackslashAndNewlineButNotQuotes() {
        #expect(PrometheusText.escapedHelp("a \"b\" c\\d\ne") == "a \"b\" c\\\\d\\ne")
    }

    @Test(arguments: [
        (UInt64(0), "0"), (1, "0.000000001"), (1_000, "0.000001"), (2_500, "0.0000025"), (2_500_000, "0.0025"),
        (1_000_000_000, "1"), (3_000_000_000, "3"), (1_500_000_000, "1.5"), (170_644, "0.000170644"),
        (30_000_000_000, "30"),
    ])
    func secondsAreExactDecimals(_ nanoseconds: UInt64, _ text: String) {
        #expect(PrometheusText.seconds(nanoseconds) == text)
    }

    @Test func familiesAndSamples() {
        var out = PrometheusText()
        out.family("x_total", .counter, help: "What \"x\" counts.\nSecond line.")
        out.sample("x_total", [("binding", "a\"b"), ("reason", "c\\d\ne")], 3)
        out.sample("x_total", [], "4")
        #expect(out.text == """
            # HELP x_total What "x" counts.\\nSecond line.
            # TYPE x_total counter
            x_total{binding="a\\"b",reason="c\\\\d\\ne"} 3
            x_total 4

            """)
    }

    @Test func histogramBucketsAreCumulativeWithInfLast() {
        var histogram = Histogram(bounds: [1_000, 5_000])
        histogram.observe(TimeSpan(nanoseconds: 500))
        histogram.observe(TimeSpan(nanoseconds: 1_000))
        histogram.observe(TimeSpan(nanoseconds: 4_000))
        histogram.observe(TimeSpan(nanoseconds: 9_000_000_000))
        var out = PrometheusText()
        out.histogram("h_seconds", [("stage", "x")], histogram)
        #expect(out.text == """
            h_seconds_bucket{stage="x",le="0.000001"} 2
            h_seconds_bucket{stage="x",le="0.000005"} 3
            h_seconds_bucket{stage="x",le="+Inf"} 4
            h_seconds_sum{stage="x"} 9.0000055
            h_seconds_count{stage="x"} 4

            """)
    }

    @Test func bucketBoundsAscend() {
        for bounds in [Histogram.matchBounds, Histogram.spawnBounds] {
            #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 })
        }
    }
}
