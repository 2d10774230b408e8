using System.Diagnostics;
using NUnit.Framework;

namespace ChatKit.Tests.Support;

/// <summary>
/// Validates JSON documents against the protocol's JSON Schemas (Fixtures/schema) with Python's
/// jsonschema package, the reference implementation of draft 2020-12 (no .NET validator on the
/// package feed handles these schemas). When Python or the package is missing, a validation is
/// ignored with the reason, or fails when the environment variable <c>CI</c> is <c>true</c> (.ci/run
/// sets it and installs python3-jsonschema): CI never skips it. An ignored test stops where it
/// validates, so every validation comes last in its test or in a test of its own, never before
/// other assertions.
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
        var python = RequireValidator(Python.Value, IsCi);
        var start = new ProcessStartInfo(python, [Path.Combine(SchemaDirectory, "validate.py")])
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

    /// <summary>
    /// The validator's python, or, when there is none, ends the test: ignored with the reason, or
    /// failed when <paramref name="ci"/> (nothing may be skipped on CI).
    /// </summary>
    public static string RequireValidator(string? python, bool ci)
    {
        if (python is not null) return python;
        const string missing = "Schema validation needs python3 with the jsonschema package (apt-get install python3-jsonschema)";
        if (ci) Assert.Fail(missing + "; CI=true, so a missing validator fails instead of skipping.");
        Assert.Ignore(missing + ": skipped.");
        return null!; // not reached: both end the test
    }

    /// <summary>Whether this run is CI's (<c>CI=true</c>), where nothing may be skipped for a missing validator.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

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
