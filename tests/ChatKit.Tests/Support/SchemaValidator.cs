using System.Diagnostics;
using NUnit.Framework;

namespace ChatKit.Tests.Support;

/// <summary>
/// Validates JSON documents against the protocol's JSON Schemas (Fixtures/schema) with Python's
/// jsonschema package, the reference implementation of draft 2020-12 (no .NET validator on the
/// package feed handles these schemas). Tests are ignored, with the reason, when Python or the
/// package is missing; .ci/run installs python3-jsonschema so CI runs them.
/// </summary>
public static class SchemaValidator
{
    private static readonly Lazy<string?> Python = new(FindPython);

    /// <summary>The folder of the schema fixtures.</summary>
    public static string SchemaDirectory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "schema");

    /// <summary>Fails the test when any document does not validate against <paramref name="schema"/>.</summary>
    public static void AssertValid(string schema, params IEnumerable<string> documents) =>
        AssertValid(documents.Select(d => (schema, d)));

    /// <summary>Fails the test when any (schema, document) pair does not validate.</summary>
    public static void AssertValid(IEnumerable<(string Schema, string Json)> documents)
    {
        var list = documents.ToList();
        var results = Validate(list);
        var failures = list.Zip(results).Where(p => p.Second != "ok")
            .Select(p => $"{p.First.Schema}: {p.Second}\n    {Shorten(p.First.Json)}").ToList();
        Assert.That(failures, Is.Empty, "documents that do not match the protocol's schemas:\n" + string.Join("\n", failures));
    }

    /// <summary>One result line per document: "ok" or "error: …".</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<(string Schema, string Json)> documents)
    {
        var python = Python.Value;
        if (python is null)
            Assert.Ignore("Schema validation skipped: needs python3 with the jsonschema package (apt-get install python3-jsonschema).");
        var start = new ProcessStartInfo(python!, [Path.Combine(SchemaDirectory, "validate.py")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        foreach (var (schema, json) in documents)
            process.StandardInput.WriteLine(schema + "\t" + json.ReplaceLineEndings(" "));
        process.StandardInput.Close();
        process.WaitForExit();
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(documents.Count), "validator output: " + stderr.Result);
        return lines;
    }

    private static string Shorten(string s) => s.Length <= 400 ? s : s[..400] + "…";

    private static string? FindPython()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import jsonschema"]) { RedirectStandardError = true, RedirectStandardOutput = true });
                if (p is null) continue;
                p.WaitForExit(30_000);
                if (p.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name; try the next one
            }
        }
        return null;
    }
}
