using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Hosting;

/// <summary>
/// A server that cannot start because of its configuration says so in one line per problem, naming the
/// key as the user wrote it (<c>OpenAI:TimeoutSeconds</c>, not <c>'OpenAIOptions' members: 'TimeoutSeconds'</c>)
/// and what a right value is, and exits with code 1 — no stack trace; so does a database still unreachable when the start's
/// wait is spent or refused the start (<see cref="DatabaseStartException"/>; the log has the details). Any other failure is left alone.
/// </summary>
public static partial class StartupFailure
{
    /// <summary>Runs <paramref name="run"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(Func<Task> run)
    {
        try
        {
            await run();
            return 0;
        }
        catch (DatabaseStartException ex) when (RunsAsItsOwnProcess)
        {
            // The log has each attempt, or the error with its stack trace; the reason and the setting fit one line.
            await Console.Error.WriteLineAsync("Database error: " + ex.Message);
            return 1;
        }
        catch (Exception ex) when (RunsAsItsOwnProcess && Explain(ex) is { Count: > 0 } problems)
        {
            foreach (var problem in problems)
                await Console.Error.WriteLineAsync("Configuration error: " + problem);
            return 1;
        }
    }

    /// <summary>
    /// Whether the server is the process (not hosted by a test's WebApplicationFactory, whose caller should
    /// get the exception itself, with its type and message).
    /// </summary>
    private static bool RunsAsItsOwnProcess => Assembly.GetEntryAssembly() == typeof(StartupFailure).Assembly;

    /// <summary>The configuration problems <paramref name="exception"/> stands for, or null when it is something else.</summary>
    public static IReadOnlyList<string>? Explain(Exception exception)
    {
        switch (exception)
        {
            case OptionsValidationException invalid:
                return invalid.Failures.Select(f => Describe(invalid.OptionsType, f)).ToList();
            case AggregateException many:
                var all = many.InnerExceptions.Select(Explain).ToList();
                return all.All(p => p is not null) ? all.SelectMany(p => p!).ToList() : null;
            case InvalidOperationException { InnerException: { } inner } when Explain(inner) is { } explained:
                return explained;
            case InvalidOperationException binding when binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                return [binding.Message];
            case ConfigurationException configuration:
                return [configuration.Message];
            // DatabaseOptions.From (Database:*) and the store's own checks (Database:TurnLock): their messages name the key.
            case System.ComponentModel.DataAnnotations.ValidationException validation:
                return [validation.Message];
            default:
                return null;
        }
    }

    /// <summary>"DataAnnotation validation failed for 'X' members: 'Y' with the error: 'Z'." → "Section:Y: Z".</summary>
    private static string Describe(Type options, string failure)
    {
        var section = options.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string
            ?? (options == typeof(ChatKit.ChatKitEngineOptions) ? ChatKit.AspNetCore.ChatKitHttpOptions.Section : null);
        var match = DataAnnotationFailure().Match(failure);
        if (!match.Success) return failure;
        var keys = match.Groups["members"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(member => section is null ? member : section + ":" + member).ToList();
        var error = match.Groups["error"].Value;
        // A validator that already names the key says it best.
        return keys.All(k => error.Contains(k, StringComparison.Ordinal)) ? error : string.Join(", ", keys) + ": " + error;
    }

    [GeneratedRegex(@"members: '(?<members>[^']*)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}

/// <summary>A setting the server cannot start with; its message names the key and the fix.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
