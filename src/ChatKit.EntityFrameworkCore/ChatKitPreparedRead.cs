using System.Data.Common;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// For database providers: one of the store's hot reads, compiled once on an open connection of
/// <see cref="ChatKitDatabaseProvider.ReadConnections"/> and run many times, by one caller at a time
/// (<see cref="ChatKitDatabaseProvider.PrepareRead"/>). A run is <see cref="Start"/>, <see cref="Read"/> until it answers
/// false or the caller has what it needs, then <see cref="Finish"/>, which the caller always calls. Column reads answer for
/// the row <see cref="Read"/> moved to. The default is a prepared <see cref="DbCommand"/> read through its
/// <see cref="DbDataReader"/>; SQLite reads its statement's columns directly.
/// </summary>
public abstract class ChatKitPreparedRead : IDisposable
{
    /// <summary>Sets the parameters, in the order their names were given, and starts the statement; null is SQL NULL.</summary>
    public abstract void Start(ReadOnlySpan<object?> values);

    /// <summary>Moves to the next row; false when there is none.</summary>
    public abstract bool Read();

    /// <summary>The column's text, which is not NULL.</summary>
    public abstract string GetString(int column);

    /// <summary>The column's integer, which is not NULL.</summary>
    public abstract long GetInt64(int column);

    /// <summary>The column's text, or null for NULL.</summary>
    public abstract string? GetStringOrNull(int column);

    /// <summary>The column's integer, or null for NULL (or a value that is not an integer).</summary>
    public abstract long? GetInt64OrNull(int column);

    /// <summary>The column's value as the provider's ADO.NET reader gives it (e.g. for a value converter), or null for NULL.</summary>
    public abstract object? GetValue(int column);

    /// <summary>Ends the run (closes its reader, resets its statement), whether or not every row was read.</summary>
    public abstract void Finish();

    /// <summary>Releases the compiled statement; called before its connection closes.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the compiled statement when <paramref name="disposing"/>.</summary>
    protected abstract void Dispose(bool disposing);
}

/// <summary>The default prepared read: a <see cref="DbCommand"/> prepared once, read through a new <see cref="DbDataReader"/> each run.</summary>
internal sealed class CommandPreparedRead : ChatKitPreparedRead
{
    private readonly DbCommand _command;
    private DbDataReader? _reader;

    public CommandPreparedRead(DbConnection connection, string sql, IReadOnlyList<string> parameterNames)
    {
        _command = connection.CreateCommand();
        _command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            var parameter = _command.CreateParameter();
            parameter.ParameterName = "@" + name;
            _command.Parameters.Add(parameter);
        }
        _command.Prepare();
    }

    private DbDataReader Reader => _reader ?? throw new InvalidOperationException("The read has not started.");

    public override void Start(ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++)
            _command.Parameters[i].Value = values[i] ?? DBNull.Value;
        _reader = _command.ExecuteReader();
    }

    public override bool Read() => Reader.Read();

    public override string GetString(int column) => Reader.GetString(column);

    public override long GetInt64(int column) => Reader.GetInt64(column);

    public override string? GetStringOrNull(int column) => Reader.GetValue(column) as string;

    public override long? GetInt64OrNull(int column) => Reader.GetValue(column) is long value ? value : null;

    public override object? GetValue(int column) => Reader.GetValue(column) is var value && value is DBNull ? null : value;

    public override void Finish()
    {
        _reader?.Dispose();
        _reader = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        Finish();
        _command.Dispose();
    }
}
