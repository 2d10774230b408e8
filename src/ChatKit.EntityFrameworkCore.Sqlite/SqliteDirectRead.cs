using System.Data.Common;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// One of the store's hot reads on a SQLite file, compiled with <c>sqlite3_prepare_v3</c> on the read connection and stepped
/// and read by calling SQLite's functions on the statement's pointer. Through Microsoft.Data.Sqlite's reader each column
/// read was two or three native calls, each taking and releasing the statement handle's reference count: in a
/// <c>perf</c> profile of threads.list those two counters alone were 9% of the server's CPU, more than SQLite's own work.
/// Here the statement's handle is held once, for the statement's life, and a text column is two calls. Parameters are set
/// through SQLitePCL as before (a few calls a run). Errors are Microsoft.Data.Sqlite's <see cref="SqliteException"/>, and a
/// statement told the database is busy is tried again until the connection's <c>Default Timeout</c>, as
/// Microsoft.Data.Sqlite does (the connection also waits inside SQLite, <see cref="SqliteBusyWait"/>).
/// <para>
/// Only with SQLitePCL's <c>e_sqlite3</c> provider (Microsoft.Data.Sqlite's default bundle), whose library is loaded here by
/// the same name from the provider's own assembly and must report the same version; with another provider the store reads
/// through Microsoft.Data.Sqlite's reader (<see cref="ChatKitDatabaseProvider.PrepareRead"/>'s default).
/// </para>
/// </summary>
internal sealed unsafe class SqliteDirectRead : ChatKitPreparedRead
{
    private const int Integer = 1, Float = 2, Text = 3, Blob = 4, Null = 5;
    private const int BusyPause = 150; // ms between tries, as Microsoft.Data.Sqlite

    private static readonly NativeFunctions? Native = NativeFunctions.Load();

    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;
    private readonly nint _handle;
    private readonly int[] _parameters;
    private bool _stepped;

    /// <summary>Whether the store's reads on SQLite use this class (SQLitePCL's <c>e_sqlite3</c> provider is the one loaded).</summary>
    public static bool Available => Native is not null;

    private SqliteDirectRead(SqliteConnection connection, sqlite3_stmt statement, int[] parameters)
    {
        _connection = connection;
        _statement = statement;
        _parameters = parameters;
        var added = false;
        statement.DangerousAddRef(ref added); // released in Dispose: the pointer stays valid as long as this read lives
        _handle = statement.DangerousGetHandle();
    }

    /// <summary>The read of <paramref name="sql"/> on <paramref name="connection"/>, or null when this way of reading is not available.</summary>
    public static ChatKitPreparedRead? TryPrepare(DbConnection connection, string sql, IReadOnlyList<string> parameterNames)
    {
        if (Native is null || connection is not SqliteConnection { Handle: { } database } sqlite) return null;
        var rc = raw.sqlite3_prepare_v3(database, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement, out var tail);
        SqliteException.ThrowExceptionForRC(rc, database);
        if (!string.IsNullOrWhiteSpace(tail))
        {
            statement.Dispose();
            throw new ArgumentException("A prepared read is one statement.", nameof(sql));
        }
        var parameters = new int[parameterNames.Count];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = raw.sqlite3_bind_parameter_index(statement, "@" + parameterNames[i]);
            if (parameters[i] == 0)
            {
                statement.Dispose();
                throw new ArgumentException($"The statement has no parameter @{parameterNames[i]}.", nameof(parameterNames));
            }
        }
        return new SqliteDirectRead(sqlite, statement, parameters);
    }

    public override void Start(ReadOnlySpan<object?> values)
    {
        Native!.Reset(_handle);
        _stepped = false;
        for (var i = 0; i < values.Length; i++)
        {
            var index = _parameters[i];
            var rc = values[i] switch
            {
                null => raw.sqlite3_bind_null(_statement, index),
                string text => raw.sqlite3_bind_text(_statement, index, text),
                long number => raw.sqlite3_bind_int64(_statement, index, number),
                int number => raw.sqlite3_bind_int64(_statement, index, number),
                double number => raw.sqlite3_bind_double(_statement, index, number),
                var other => throw new NotSupportedException($"A prepared read's parameter of type {other.GetType().Name}."),
            };
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
        }
    }

    public override bool Read()
    {
        long started = 0;
        while (true)
        {
            var rc = Native!.Step(_handle);
            if (rc == raw.SQLITE_ROW)
            {
                _stepped = true;
                return true;
            }
            if (rc == raw.SQLITE_DONE) return false;
            // Busy before the first row: tried again (from the start, which a reset is) until the connection's timeout.
            if ((rc & 0xFF) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED && !_stepped)
            {
                if (started == 0) started = Stopwatch.GetTimestamp();
                var timeout = _connection.DefaultTimeout;
                if (timeout == 0 || Stopwatch.GetElapsedTime(started).TotalSeconds < timeout)
                {
                    Native.Reset(_handle);
                    Thread.Sleep(BusyPause);
                    continue;
                }
            }
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            return false; // not reached: an error code always throws
        }
    }

    public override string GetString(int column) =>
        TextOf(column) ?? throw new InvalidOperationException($"The value of column {column} is NULL.");

    /// <summary>The column as an integer, converted by SQLite when it holds another kind of value, as the data reader does.</summary>
    public override long GetInt64(int column) => Native!.ColumnType(_handle, column) != Null
        ? Native.ColumnInt64(_handle, column)
        : throw new InvalidOperationException($"The value of column {column} is NULL.");

    public override string? GetStringOrNull(int column) => Native!.ColumnType(_handle, column) == Text ? TextOf(column) : null;

    public override long? GetInt64OrNull(int column) => Native!.ColumnType(_handle, column) == Integer ? Native.ColumnInt64(_handle, column) : null;

    public override object? GetValue(int column) => Native!.ColumnType(_handle, column) switch
    {
        Integer => Native.ColumnInt64(_handle, column),
        Float => Native.ColumnDouble(_handle, column),
        Text => TextOf(column),
        Blob => new ReadOnlySpan<byte>(Native.ColumnBlob(_handle, column), Native.ColumnBytes(_handle, column)).ToArray(),
        _ => null,
    };

    /// <summary>The column as text (SQLite converts a number), or null for NULL.</summary>
    private string? TextOf(int column)
    {
        var text = Native!.ColumnText(_handle, column);
        if (text == null) return null; // NULL (or out of memory, which SQLite reports as NULL too)
        return Encoding.UTF8.GetString(text, Native.ColumnBytes(_handle, column));
    }

    public override void Finish() => Native!.Reset(_handle); // ends the statement's read of the database (its snapshot)

    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _statement.DangerousRelease();
        _statement.Dispose(); // sqlite3_finalize
    }

    /// <summary>
    /// SQLite's functions this class calls, from the library SQLitePCL's <c>e_sqlite3</c> provider loaded. The column
    /// functions do not wait or call back into .NET, so they skip the runtime's GC transition.
    /// </summary>
    private sealed class NativeFunctions
    {
        public delegate* unmanaged<nint, int> Step;
        public delegate* unmanaged<nint, int> Reset;
        public delegate* unmanaged[SuppressGCTransition]<nint, int, int> ColumnType;
        public delegate* unmanaged[SuppressGCTransition]<nint, int, long> ColumnInt64;
        public delegate* unmanaged[SuppressGCTransition]<nint, int, double> ColumnDouble;
        public delegate* unmanaged[SuppressGCTransition]<nint, int, byte*> ColumnText;
        public delegate* unmanaged[SuppressGCTransition]<nint, int, void*> ColumnBlob;
        public delegate* unmanaged[SuppressGCTransition]<nint, int, int> ColumnBytes;

        private const string Library = "e_sqlite3";

        public static NativeFunctions? Load()
        {
            if (raw.GetNativeLibraryName() != Library) return null;
            var provider = Type.GetType("SQLitePCL.SQLite3Provider_e_sqlite3, SQLitePCLRaw.provider.e_sqlite3");
            if (provider is null || !NativeLibrary.TryLoad(Library, provider.Assembly, null, out var library)) return null;
            nint Export(string name) => NativeLibrary.TryGetExport(library, name, out var address) ? address : 0;
            var version = (delegate* unmanaged<int>)Export("sqlite3_libversion_number");
            if (version == null || version() != raw.sqlite3_libversion_number()) return null;
            var functions = new NativeFunctions
            {
                Step = (delegate* unmanaged<nint, int>)Export("sqlite3_step"),
                Reset = (delegate* unmanaged<nint, int>)Export("sqlite3_reset"),
                ColumnType = (delegate* unmanaged[SuppressGCTransition]<nint, int, int>)Export("sqlite3_column_type"),
                ColumnInt64 = (delegate* unmanaged[SuppressGCTransition]<nint, int, long>)Export("sqlite3_column_int64"),
                ColumnDouble = (delegate* unmanaged[SuppressGCTransition]<nint, int, double>)Export("sqlite3_column_double"),
                ColumnText = (delegate* unmanaged[SuppressGCTransition]<nint, int, byte*>)Export("sqlite3_column_text"),
                ColumnBlob = (delegate* unmanaged[SuppressGCTransition]<nint, int, void*>)Export("sqlite3_column_blob"),
                ColumnBytes = (delegate* unmanaged[SuppressGCTransition]<nint, int, int>)Export("sqlite3_column_bytes"),
            };
            return functions.Step == null || functions.Reset == null || functions.ColumnType == null || functions.ColumnInt64 == null
                || functions.ColumnDouble == null || functions.ColumnText == null || functions.ColumnBlob == null || functions.ColumnBytes == null
                ? null
                : functions;
        }
    }
}
