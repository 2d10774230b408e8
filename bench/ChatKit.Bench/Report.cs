using System.Globalization;
using System.Text;

/// <summary>Turns a run's figures into the Markdown tables of bench/README.md, with ratios and targets.</summary>
internal static class Report
{
    private const string Ours = "chatkit", Baseline = "baseline", Node = "node";

    /// <summary>The issue's targets: metric, what it is compared with, and the bound.</summary>
    private static readonly (string Metric, string Text, Func<Func<string, string, double>, bool> Met)[] Targets =
    [
        ("a.events_per_s", "events/s ≥ 50% of the baseline", v => v(Ours, "a.events_per_s") >= 0.5 * v(Baseline, "a.events_per_s")),
        ("b.first_event_p99_ms@64", "first event p99 < 20 ms at 64 streams", v => v(Ours, "b.first_event_p99_ms@64") < 20),
        ("a.events_per_s", "events/s ≥ 3× the Node peer", v => v(Ours, "a.events_per_s") >= 3 * v(Node, "a.events_per_s")),
        ("c.threads_list_rps", "threads.list req/s ≥ 3× the Node peer", v => v(Ours, "c.threads_list_rps") >= 3 * v(Node, "c.threads_list_rps")),
        ("c.items_list_rps", "items.list req/s ≥ 3× the Node peer", v => v(Ours, "c.items_list_rps") >= 3 * v(Node, "c.items_list_rps")),
        ("d.kib_per_idle_stream", "≤ 64 KiB per idle open stream (opened 256 at a time)", v => v(Ours, "d.kib_per_idle_stream") <= 64),
        ("d_burst.kib_per_idle_stream", "≤ 64 KiB per idle open stream (all opened at once)", v => v(Ours, "d_burst.kib_per_idle_stream") <= 64),
    ];

    public static string Markdown(List<Figure> figures)
    {
        double Value(string target, string metric) =>
            figures.LastOrDefault(f => f.Target == target && f.Metric == metric)?.Value ?? double.NaN;
        string Number(double v) => double.IsNaN(v) ? "–" : v.ToString(v >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture);
        string Ratio(double a, double b) => double.IsNaN(a) || double.IsNaN(b) || b == 0 ? "–" : (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×";

        var text = new StringBuilder();
        text.AppendLine("| figure | unit | ChatKitServer | baseline (bare Kestrel) | Node peer | ChatKitServer ÷ baseline | ChatKitServer ÷ Node peer |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var metric in figures.Select(f => f.Metric).Distinct())
        {
            var unit = figures.First(f => f.Metric == metric).Unit;
            var (ours, baseline, node) = (Value(Ours, metric), Value(Baseline, metric), Value(Node, metric));
            text.AppendLine($"| {metric} | {unit} | {Number(ours)} | {Number(baseline)} | {Number(node)} | {Ratio(ours, baseline)} | {Ratio(ours, node)} |");
        }
        text.AppendLine();
        text.AppendLine("| target | met |");
        text.AppendLine("|---|---|");
        foreach (var (_, description, met) in Targets)
            text.AppendLine($"| {description} | {(met(Value) ? "yes" : "**no**")} |");
        return text.ToString();
    }
}
