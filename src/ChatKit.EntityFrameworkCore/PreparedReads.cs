using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Logging;
using static ChatKit.EntityFrameworkCore.StoreQueries;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The store's hot reads (a thread, a page of threads or items, an item) as statements prepared once on connections
/// kept open, for a database whose provider gives such connections (<see cref="ChatKitDatabaseProvider.ReadConnections"/>:
/// SQLite). Through EF each read took a pooled connection and opened it (on SQLite that registers EF's functions on
/// the native connection again), had SQLite parse its SQL again, ran EF's query pipeline and closed the connection;
/// a list request spent more time there than in SQLite (bench/README.md, "Issue 20"). Here a read rents a connection that is
/// already open, sets the parameters of a statement that is already compiled, and steps through it.
/// <para>
/// The statements are written from the model (table and column names, quoting, the value converter of times) in the
/// SQL SQLite and PostgreSQL share, and answer exactly what <see cref="StoreQueries"/> answers (the same filters, the same
/// order, the same limit); the store contract tests run through them. They run synchronously: Microsoft.Data.Sqlite's
/// asynchronous calls do too. A read that fails closes its connection rather than return it to the pool. Each statement
/// is logged at Debug (category <c>ChatKit.EntityFrameworkCore.PreparedReads</c>), as EF logs its commands.
/// </para>
/// </summary>
internal sealed class PreparedReads : IStoreRows, IDisposable
{
    /// <summary>Open connections kept between reads; more are opened when more reads run at once, and closed after.</summary>
    public const int MaxIdle = 16;

    /// <summary>
    /// How long a connection is kept open at most. A database file replaced under a running server (a restore by
    /// renaming a copy over it) is read again within this time; one that is deleted is noticed within
    /// <see cref="StillThereInterval"/>.
    /// </summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the reads go on trusting that the database is there before asking again (for a SQLite file, one
    /// <c>stat</c>): a file deleted under the server is read at most this long after, what it held then. Writes ask
    /// before every batch, so none goes into a deleted file.
    /// </summary>
    public static readonly TimeSpan StillThereInterval = TimeSpan.FromMilliseconds(100);

    private enum Statement { Thread, ThreadExists, ThreadPosition, ThreadsAsc, ThreadsDesc, ThreadsAscAfter, ThreadsDescAfter, ItemPosition, ItemJson, Items }

    private readonly Func<DbConnection> _connect;
    private readonly Func<DbConnection, string, IReadOnlyList<string>, ChatKitPreparedRead> _prepare;
    private readonly Func<bool> _stillThere;
    private long _foundThereAt = long.MinValue;
    private int _generation;
    private readonly string[] _sql;
    private readonly string[][] _parameters;
    private readonly Dictionary<(bool Asc, bool Visible, bool After), int> _itemPages;
    private readonly ValueConverter? _time;
    private readonly Func<long, DateTimeOffset>? _timeFromTicks;
    private readonly ILogger _log;
    private readonly ConcurrentBag<Session> _idle = [];
    private int _idleCount;
    private long _statementsRun;
    private bool _disposed;

    /// <summary>Statements run so far (the tests count a request's reads with it, as they count EF's commands in its log).</summary>
    public long StatementsRun => Interlocked.Read(ref _statementsRun);

    /// <summary>Open connections waiting for the next read.</summary>
    public int IdleConnections => Volatile.Read(ref _idleCount);

    private PreparedReads(Func<DbConnection> connect, Func<DbConnection, string, IReadOnlyList<string>, ChatKitPreparedRead> prepare,
        List<(string Sql, string[] Parameters)> statements, Dictionary<(bool Asc, bool Visible, bool After), int> itemPages, ValueConverter? time,
        ILogger log, Func<bool> stillThere)
    {
        _connect = connect;
        _prepare = prepare;
        _stillThere = stillThere;
        _log = log;
        _itemPages = itemPages;
        _sql = statements.Select(s => s.Sql).ToArray();
        _parameters = statements.Select(s => s.Parameters).ToArray();
        _time = time;
        // A time stored as an integer (SQLite's UTC ticks) is read as one and converted without boxing.
        _timeFromTicks = (time as ValueConverter<DateTimeOffset, long>)?.ConvertFromProviderExpression.Compile();
    }

    /// <summary>
    /// The reads for the model of <paramref name="contexts"/>' contexts, on connections from <paramref name="connect"/> (not yet
    /// open), each statement compiled by <paramref name="prepare"/>; <paramref name="stillThere"/> answers, before each read, whether the database the open connections reach is still
    /// there (a SQLite file that was deleted is not: they are closed, and the read opens the path again).
    /// </summary>
    public static PreparedReads For(IDbContextFactory<ChatKitDbContext> contexts, Func<DbConnection> connect,
        Func<DbConnection, string, IReadOnlyList<string>, ChatKitPreparedRead> prepare, Func<bool> stillThere, ILogger<PreparedReads> log)
    {
        using var db = contexts.CreateDbContext();
        var sql = db.GetService<ISqlGenerationHelper>();
        var items = db.Model.FindEntityType(typeof(ItemRecord))!;
        var threads = db.Model.FindEntityType(typeof(ThreadRecord))!;
        string Table(IEntityType type) => sql.DelimitIdentifier(type.GetTableName()!, type.GetSchema());
        string Column(IEntityType type, string property) =>
            sql.DelimitIdentifier(type.FindProperty(property)!.GetColumnName(StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema()))!);
        string I(string property) => Column(items, property);
        string T(string property) => Column(threads, property);
        static string Order(string at, string sequence, bool asc) => asc ? $"{at} ASC, {sequence} ASC" : $"{at} DESC, {sequence} DESC";
        static string After(string at, string sequence, bool asc) =>
            $"({at} {(asc ? '>' : '<')} @at OR ({at} = @at AND {sequence} {(asc ? '>' : '<')} @sequence))";

        // The columns a list for clients reads first (ClientThreadsAsync: the rest only when the stamp does not vouch), then the others.
        var threadColumns = $"{T("Id")}, {T("CreatedAt")}, {T("UpdatedAt")}, {T("WireStamp")}, {T("WireJson")}, " +
            $"{T("Title")}, {T("StatusJson")}, {T("MetadataJson")}, {T("AllowedImageDomainsJson")}";
        var ownThread = $"FROM {Table(threads)} WHERE {T("Id")} = @id AND {T("UserId")} = @user";
        string ThreadPage(bool asc, bool after) =>
            $"SELECT {threadColumns} FROM {Table(threads)} WHERE {T("UserId")} = @user{(after ? " AND " + After(T("CreatedAt"), T("Sequence"), asc) : "")} " +
            $"ORDER BY {Order(T("CreatedAt"), T("Sequence"), asc)} LIMIT @take";
        string[] own = ["id", "user"], page = ["user", "take"], pageAfter = ["user", "at", "sequence", "take"];
        var statements = new List<(string, string[])>
        {
            ($"SELECT {threadColumns} {ownThread} LIMIT 1", own),
            ($"SELECT 1 {ownThread} LIMIT 1", own),
            ($"SELECT {T("CreatedAt")}, {T("Sequence")} {ownThread} LIMIT 1", own),
            (ThreadPage(asc: true, after: false), page),
            (ThreadPage(asc: false, after: false), page),
            (ThreadPage(asc: true, after: true), pageAfter),
            (ThreadPage(asc: false, after: true), pageAfter),
            ($"SELECT {I("CreatedAt")}, {I("Sequence")} FROM {Table(items)} WHERE {I("ThreadId")} = @thread AND {I("Id")} = @id LIMIT 1", ["thread", "id"]),
            ($"SELECT {I("Json")} FROM {Table(items)} WHERE {I("ThreadId")} = @thread AND {I("Id")} = @id LIMIT 1", ["thread", "id"]),
        };
        // Pages of items come in eight shapes: order × after a cursor or not × every item or those the user sees.
        var itemPages = new Dictionary<(bool Asc, bool Visible, bool After), int>();
        foreach (var asc in new[] { true, false })
        foreach (var after in new[] { false, true })
        foreach (var visible in new[] { false, true })
        {
            var where = $"{I("ThreadId")} = @thread" + (after ? " AND " + After(I("CreatedAt"), I("Sequence"), asc) : "") +
                (visible ? $" AND {I("Type")} <> @hidden AND {I("Type")} <> @sdk_hidden" : "");
            string[] parameters = ["thread", .. after ? new[] { "at", "sequence" } : [], .. visible ? new[] { "hidden", "sdk_hidden" } : [], "take"];
            itemPages[(asc, visible, after)] = statements.Count;
            statements.Add(($"SELECT {I("Id")}, {I("Json")}, {I("UserId")}, {I("Type")}, {I("WireStamp")} FROM {Table(items)} WHERE {where} ORDER BY {Order(I("CreatedAt"), I("Sequence"), asc)} LIMIT @take", parameters));
        }
        return new PreparedReads(connect, prepare, statements, itemPages, items.FindProperty(nameof(ItemRecord.CreatedAt))!.GetTypeMapping().Converter, log, stillThere);
    }

    public ValueTask<ThreadRecord?> ThreadAsync(string id, string user) => new(Run((int)Statement.Thread, [id, user], reader => ReadThread(reader, user)));

    public ValueTask<bool> ThreadExistsAsync(string id, string user) => new(Run((int)Statement.ThreadExists, [id, user], _ => true));

    public ValueTask<Position?> ThreadPositionAsync(string id, string user) =>
        new(Run((int)Statement.ThreadPosition, [id, user], reader => new Position(ReadTime(reader, 0), reader.GetInt64(1))));

    public ValueTask<List<ThreadRecord>> ThreadsAsync(string user, bool asc, Position? cursor, int take, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(cursor is null
            ? RunAll((int)(asc ? Statement.ThreadsAsc : Statement.ThreadsDesc), [user, take], reader => ReadThread(reader, user))
            : RunAll((int)(asc ? Statement.ThreadsAscAfter : Statement.ThreadsDescAfter), [user, ToDb(cursor.CreatedAt), cursor.Sequence, take], reader => ReadThread(reader, user)));
    }

    public ValueTask<List<ClientThreadRow>> ClientThreadsAsync(string user, bool asc, Position? cursor, int take, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(cursor is null
            ? RunAll((int)(asc ? Statement.ThreadsAsc : Statement.ThreadsDesc), [user, take], reader => ReadClientThread(reader, user))
            : RunAll((int)(asc ? Statement.ThreadsAscAfter : Statement.ThreadsDescAfter), [user, ToDb(cursor.CreatedAt), cursor.Sequence, take], reader => ReadClientThread(reader, user)));
    }

    public ValueTask<Position?> ItemPositionAsync(string threadId, string id) =>
        new(Run((int)Statement.ItemPosition, [threadId, id], reader => new Position(ReadTime(reader, 0), reader.GetInt64(1))));

    public ValueTask<string?> ItemJsonAsync(string threadId, string id) => new(Run((int)Statement.ItemJson, [threadId, id], reader => reader.GetString(0)));

    public ValueTask<List<ItemRow>> ItemsAsync(string threadId, bool asc, bool visibleOnly, Position? cursor, int take, CancellationToken cancellationToken,
        IReadOnlySet<string>? jsonOfKinds = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        object?[] values = (cursor, visibleOnly) switch
        {
            (null, false) => [threadId, take],
            (null, true) => [threadId, ItemTypes.HiddenContext, ItemTypes.SdkHiddenContext, take],
            ({ } c, false) => [threadId, ToDb(c.CreatedAt), c.Sequence, take],
            ({ } c, true) => [threadId, ToDb(c.CreatedAt), c.Sequence, ItemTypes.HiddenContext, ItemTypes.SdkHiddenContext, take],
        };
        return new(RunAll(_itemPages[(asc, visibleOnly, cursor is not null)], values, reader =>
        {
            // The JSON is most of a row: a caller that looks only at some kinds (is a client tool call pending?) does not get the others'.
            var type = reader.GetString(3);
            var json = jsonOfKinds is null || jsonOfKinds.Contains(type) ? reader.GetString(1) : "";
            return new ItemRow(reader.GetString(0), json, reader.GetString(2), type, reader.GetInt64OrNull(4));
        }));
    }

    // Each column read is a native call or two (a list's largest cost after the query itself, measured with perf): a list for
    // clients reads five columns of a row whose stamp vouches for its JSON.

    private ThreadRecord ReadThread(ChatKitPreparedRead reader, string user) => new()
    {
        Id = reader.GetString(0),
        UserId = user,
        CreatedAt = ReadTime(reader, 1),
        Title = reader.GetStringOrNull(5),
        StatusJson = reader.GetString(6),
        MetadataJson = reader.GetString(7),
        AllowedImageDomainsJson = reader.GetStringOrNull(8),
    };

    private ClientThreadRow ReadClientThread(ChatKitPreparedRead reader, string user)
    {
        var id = reader.GetString(0);
        if (reader.GetInt64OrNull(3) is { } stamp)
        {
            var json = reader.GetString(4);
            if (WireStamps.VouchesThread(stamp, id, ReadTime(reader, 1), ReadTime(reader, 2), json)) return new(id, json, null);
        }
        return new(id, null, ReadThread(reader, user));
    }

    private DateTimeOffset ReadTime(ChatKitPreparedRead reader, int ordinal) =>
        _timeFromTicks is not null ? _timeFromTicks(reader.GetInt64(ordinal))
        : _time is not null ? (DateTimeOffset)_time.ConvertFromProvider(reader.GetValue(ordinal))!
        : reader.GetValue(ordinal) as DateTimeOffset? ?? throw new InvalidCastException($"Column {ordinal} is not a time.");

    private object ToDb(DateTimeOffset at) => _time is null ? at : _time.ConvertToProvider(at)!;

    private T? Run<T>(int statement, object?[] values, Func<ChatKitPreparedRead, T> read)
    {
        T? result = default;
        Execute(statement, values, reader =>
        {
            if (reader.Read()) result = read(reader);
        });
        return result;
    }

    private List<T> RunAll<T>(int statement, object?[] values, Func<ChatKitPreparedRead, T> read)
    {
        var rows = new List<T>();
        Execute(statement, values, reader =>
        {
            while (reader.Read()) rows.Add(read(reader));
        });
        return rows;
    }

    private void Execute(int statement, object?[] values, Action<ChatKitPreparedRead> read)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        if (!StillThere())
        {
            // The database was taken away: what the open connections read is gone. They are closed (those in use when
            // they come back), and this read opens the path again, which fails as EF's reads do, or finds a new database.
            Interlocked.Increment(ref _generation);
            CloseIdle();
        }
        var session = Rent();
        try
        {
            var command = session.Command(statement, _sql[statement], _parameters[statement], _prepare);
            var started = _log.IsEnabled(LogLevel.Debug) ? Stopwatch.GetTimestamp() : 0;
            try
            {
                command.Start(values);
                read(command);
            }
            finally
            {
                command.Finish();
            }
            Interlocked.Increment(ref _statementsRun);
            if (started != 0)
                _log.LogDebug("Executed prepared read ({Elapsed:0.###} ms): {Sql}", Stopwatch.GetElapsedTime(started).TotalMilliseconds, _sql[statement]);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        Return(session);
    }

    /// <summary>
    /// Whether the database is still there, asked at most once every <see cref="StillThereInterval"/> while it is (a
    /// system call per read was ~3% of a list's CPU); once it is not, every read asks until it is back.
    /// </summary>
    private bool StillThere()
    {
        var last = Volatile.Read(ref _foundThereAt);
        if (last != long.MinValue && Stopwatch.GetElapsedTime(last) < StillThereInterval) return true;
        if (!_stillThere())
        {
            Volatile.Write(ref _foundThereAt, long.MinValue);
            return false;
        }
        Volatile.Write(ref _foundThereAt, Stopwatch.GetTimestamp());
        return true;
    }

    private void Return(Session session)
    {
        if (!Fresh(session))
        {
            session.Dispose();
            return;
        }
        if (Interlocked.Increment(ref _idleCount) > MaxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            session.Dispose();
            return;
        }
        _idle.Add(session);
        if (Volatile.Read(ref _disposed)) CloseIdle(); // disposed while this read ran
    }

    private Session Rent()
    {
        while (_idle.TryTake(out var idle))
        {
            Interlocked.Decrement(ref _idleCount);
            if (Fresh(idle)) return idle;
            idle.Dispose();
        }
        return new Session(_connect(), _sql.Length, Volatile.Read(ref _generation));
    }

    private bool Fresh(Session session) =>
        session.Generation == Volatile.Read(ref _generation) && Stopwatch.GetElapsedTime(session.Opened) < MaxLifetime;

    /// <summary>Closes the idle connections; reads after this throw.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            session.Dispose();
        }
    }

    /// <summary>An open connection and the statements prepared on it so far.</summary>
    private sealed class Session(DbConnection connection, int statements, int generation) : IDisposable
    {
        public int Generation { get; } = generation;
        public long Opened { get; } = Stopwatch.GetTimestamp();

        private readonly ChatKitPreparedRead?[] _commands = new ChatKitPreparedRead?[statements];
        private bool _open;

        public ChatKitPreparedRead Command(int statement, string sql, string[] parameters,
            Func<DbConnection, string, IReadOnlyList<string>, ChatKitPreparedRead> prepare)
        {
            if (!_open)
            {
                connection.Open();
                _open = true;
            }
            return _commands[statement] ??= prepare(connection, sql, parameters);
        }

        /// <summary>The statements first: they belong to the native connection, which a pool may hand to someone else.</summary>
        public void Dispose()
        {
            foreach (var command in _commands) command?.Dispose();
            connection.Dispose();
        }
    }
}

/// <summary>The store's <see cref="PreparedReads"/>, when its database has them, as a service the container disposes with the host.</summary>
internal sealed class StoreReads(PreparedReads? prepared) : IDisposable
{
    public PreparedReads? Prepared => prepared;

    public void Dispose() => prepared?.Dispose();
}
