using System.Globalization;
using System.Text;

/// <summary>Turns a run's figures into the Markdown tables of bench/README.md, with ratios and targets.</summary>
internal static class Report
{
    private const string Ours = "chatkit", OursOnPostgres = "chatkit-pg", Baseline = "baseline", Node = "node", Python = "python";

    /// <summary>Figures where less is better (times, memory): "ahead" means lower.</summary>
    private static bool LowerIsBetter(string metric) =>
        metric.Contains("_ms", StringComparison.Ordinal) || metric.Contains("kib", StringComparison.Ordinal)
        || metric.Contains("rss", StringComparison.Ordinal) || metric.Contains("seconds", StringComparison.Ordinal);

    /// <summary>Figures that count work done or time taken (not the setting of a phase, such as streams opened or events per turn).</summary>
    private static bool IsPerformance(string metric) =>
        !metric.EndsWith("open_streams", StringComparison.Ordinal) && !metric.Contains("events_per_turn", StringComparison.Ordinal)
        && !metric.StartsWith("b.turns@", StringComparison.Ordinal) && !metric.Contains("rss_before", StringComparison.Ordinal);

    /// <summary>Issue 20's targets: what it says, and whether the run meets it.</summary>
    private static readonly (string Text, Func<Func<string, string, double>, IReadOnlyList<string>, bool> Met)[] Targets =
    [
        ("events/s ≥ 1.0× the Node peer, every turn persisted", (v, _) => v(Ours, "a.events_per_s") >= v(Node, "a.events_per_s")),
        ("threads.create turns/s (seeding) ≥ 0.5× the Node peer", (v, _) => v(Ours, "c.seed_threads_per_s") >= 0.5 * v(Node, "c.seed_threads_per_s")),
        ("threads.list req/s ≥ 1.0× the Node peer", (v, _) => v(Ours, "c.threads_list_rps") >= v(Node, "c.threads_list_rps")),
        ("items.list req/s ≥ 1.0× the Node peer", (v, _) => v(Ours, "c.items_list_rps") >= v(Node, "c.items_list_rps")),
        ("first event p99 at 512 streams ≤ 2× the Node peer's", (v, _) => v(Ours, "b.first_event_p99_ms@512") <= 2 * v(Node, "b.first_event_p99_ms@512")),
        ("first event p99 at 64 streams < 10 ms", (v, _) => v(Ours, "b.first_event_p99_ms@64") < 10),
        ("KiB per idle open stream ≤ the Node peer's (5,000 streams)", (v, _) => v(Ours, "d.kib_per_idle_stream") <= v(Node, "d.kib_per_idle_stream")),
        ("every figure ≥ 5× the Python SDK peer (rates higher, times and memory lower)", (v, metrics) => metrics.All(m =>
            double.IsNaN(v(Ours, m)) || double.IsNaN(v(Python, m)) || (LowerIsBetter(m) ? v(Python, m) >= 5 * v(Ours, m) : v(Ours, m) >= 5 * v(Python, m)))),
    ];

    public static string Markdown(List<Figure> figures)
    {
        double Value(string target, string metric) =>
            figures.LastOrDefault(f => f.Target == target && f.Metric == metric)?.Value ?? double.NaN;
        string Number(double v) => double.IsNaN(v) ? "–" : v.ToString(v >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture);
        string Ratio(double a, double b) => double.IsNaN(a) || double.IsNaN(b) || b == 0 ? "–" : (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×";

        var metrics = figures.Select(f => f.Metric).Distinct().ToList();
        var text = new StringBuilder();
        text.AppendLine("| figure | unit | ChatKitServer (SQLite) | ChatKitServer (PostgreSQL) | baseline (bare Kestrel) | Node peer | Python SDK (SQLite) | ours ÷ baseline | ours ÷ Node | ours ÷ Python |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var metric in metrics)
        {
            var unit = figures.First(f => f.Metric == metric).Unit;
            var (ours, pg, baseline, node, python) = (Value(Ours, metric), Value(OursOnPostgres, metric), Value(Baseline, metric), Value(Node, metric), Value(Python, metric));
            text.AppendLine($"| {metric} | {unit} | {Number(ours)} | {Number(pg)} | {Number(baseline)} | {Number(node)} | {Number(python)} | {Ratio(ours, baseline)} | {Ratio(ours, node)} | {Ratio(ours, python)} |");
        }
        text.AppendLine();
        text.AppendLine("| target (issue 20) | met |");
        text.AppendLine("|---|---|");
        var performance = metrics.Where(IsPerformance).ToList();
        bool Measured(string description) =>
            (!description.Contains("Node", StringComparison.Ordinal) || figures.Any(f => f.Target == Node))
            && (!description.Contains("Python", StringComparison.Ordinal) || figures.Any(f => f.Target == Python))
            && figures.Any(f => f.Target == Ours);

        foreach (var (description, met) in Targets)
        {
            // A comparison with a target the run did not measure is not met, it is missing.
            var measured = Measured(description);
            text.AppendLine($"| {description} | {(!measured ? "not measured" : met(Value, performance) ? "yes" : "**no**")} |");
        }
        var behindPython = performance.Where(m => !double.IsNaN(Value(Ours, m)) && !double.IsNaN(Value(Python, m))
            && (LowerIsBetter(m) ? Value(Python, m) < 5 * Value(Ours, m) : Value(Ours, m) < 5 * Value(Python, m))).ToList();
        if (behindPython.Count > 0)
            text.AppendLine().AppendLine($"Figures under 5× the Python SDK peer: {string.Join(", ", behindPython)}.");
        return text.ToString();
    }
}
