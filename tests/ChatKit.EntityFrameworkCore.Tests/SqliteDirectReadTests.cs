using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// The store's reads on a SQLite file, stepped and read by calling SQLite on the statement (<see cref="SqliteDirectRead"/>):
/// each kind of value read as Microsoft.Data.Sqlite's reader reads it, errors as its exceptions, a busy database waited for.
/// </summary>
public sealed class SqliteDirectReadTests
{
    private string _folder = null!;
    private string _file = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "chatkit-direct-read", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(_folder);
        _file = Path.Combine(_folder, "t.db");
    }

    [TearDown]
    public void DeleteFolder()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private SqliteConnection Open(string extra = "")
    {
        var connection = new SqliteConnection($"Data Source={_file}{extra}");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static ChatKitPreparedRead Prepare(SqliteConnection connection, string sql, params string[] parameters) =>
        SqliteDirectRead.TryPrepare(connection, sql, parameters) ?? throw new AssertionException("SQLitePCL's e_sqlite3 provider is loaded here, so reads call SQLite directly");

    [Test]
    public void Every_kind_of_value_reads_as_the_data_reader_reads_it()
    {
        using var connection = Open();
        Execute(connection, "CREATE TABLE t(k INTEGER, v)");
        Execute(connection, "INSERT INTO t VALUES (1, 'héllo ☃ 𝄞'), (2, ''), (3, NULL), (4, 42), (5, 2.5), (6, x'00ff'), (7, 'a' || char(0) || 'b')");
        using var read = Prepare(connection, "SELECT v FROM t WHERE k >= @from ORDER BY k", "from");
        using var reference = connection.CreateCommand();
        reference.CommandText = "SELECT v FROM t ORDER BY k";

        read.Start([1L]);
        using (var reader = reference.ExecuteReader())
        {
            while (reader.Read())
            {
                read.Read().Should().BeTrue();
                var expected = reader.IsDBNull(0) ? null : reader.GetValue(0);
                read.GetValue(0).Should().BeEquivalentTo(expected, "row {0}", reader.GetValue(0));
                read.GetStringOrNull(0).Should().Be(expected as string);
                read.GetInt64OrNull(0).Should().Be(expected as long?);
                if (expected is string text) read.GetString(0).Should().Be(text);
                if (expected is long or double || expected is string s && long.TryParse(s, out _)) read.GetInt64(0).Should().Be(reader.GetInt64(0));
            }
        }
        read.Read().Should().BeFalse();
        read.Finish();

        read.Start([3L]);
        read.Read().Should().BeTrue();
        read.Invoking(r => r.GetString(0)).Should().Throw<InvalidOperationException>().WithMessage("*NULL*");
        read.Read().Should().BeTrue();
        read.GetInt64(0).Should().Be(42);
        read.GetString(0).Should().Be("42", "SQLite gives a number as text when text is asked for, as the data reader does");
        read.Read().Should().BeTrue();
        read.GetInt64(0).Should().Be(2, "SQLite converts a real to an integer, as the data reader's GetInt64 does");
        read.Finish();

        read.Start([3L]);
        read.Read().Should().BeTrue();
        read.Invoking(r => r.GetInt64(0)).Should().Throw<InvalidOperationException>().WithMessage("*NULL*");
        read.Finish();
    }

    [Test]
    public void Parameters_of_each_kind_are_set_again_on_every_run()
    {
        using var connection = Open();
        Execute(connection, "CREATE TABLE t(a TEXT, b INTEGER)");
        Execute(connection, "INSERT INTO t VALUES ('x', 1), ('y', 2), (NULL, 3)");
        using var read = Prepare(connection, "SELECT b FROM t WHERE a IS @a AND b <= @max LIMIT @take", "a", "max", "take");
        long? Run(params object?[] values)
        {
            read.Start(values);
            try
            {
                return read.Read() ? read.GetInt64(0) : null;
            }
            finally
            {
                read.Finish();
            }
        }

        Run("y", 5L, 1).Should().Be(2);
        Run("x", 5L, 1).Should().Be(1);
        Run(null, 5L, 1).Should().Be(3);
        Run("y", 1L, 1).Should().BeNull();
        Run(2.5, 5L, 1).Should().BeNull();
        read.Invoking(r => r.Start([DateTime.Now, 1L, 1])).Should().Throw<NotSupportedException>();
    }

    [Test]
    public void A_statement_that_does_not_compile_or_lacks_a_parameter_is_refused_with_the_reason()
    {
        using var connection = Open();
        Execute(connection, "CREATE TABLE t(a TEXT)");
        FluentActions.Invoking(() => SqliteDirectRead.TryPrepare(connection, "SELECT nope FROM t", []))
            .Should().Throw<SqliteException>().WithMessage("*no such column: nope*");
        FluentActions.Invoking(() => SqliteDirectRead.TryPrepare(connection, "SELECT a FROM t WHERE a = @a", ["b"]))
            .Should().Throw<ArgumentException>().WithMessage("*@b*");
        FluentActions.Invoking(() => SqliteDirectRead.TryPrepare(connection, "SELECT a FROM t; SELECT 1", []))
            .Should().Throw<ArgumentException>().WithMessage("*one statement*");
    }

    [Test]
    public void A_read_that_finds_the_database_locked_waits_for_it_until_the_connections_timeout()
    {
        using (var setup = Open())
        {
            Execute(setup, "PRAGMA journal_mode=DELETE");
            Execute(setup, "CREATE TABLE t(a INTEGER)");
            Execute(setup, "INSERT INTO t VALUES (7)");
        }
        using var writer = Open();
        using var reader = Open(";Default Timeout=1;Pooling=False");
        using var read = Prepare(reader, "SELECT a FROM t");

        Execute(writer, "BEGIN EXCLUSIVE"); // no reader may read a database in rollback mode while this holds
        var clock = Stopwatch.StartNew();
        read.Start([]);
        read.Invoking(r => r.Read()).Should().Throw<SqliteException>().Where(e => e.SqliteErrorCode == SQLitePCL.raw.SQLITE_BUSY);
        read.Finish();
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9), "the read tried again until the connection's timeout");

        var release = Task.Run(async () =>
        {
            await Task.Delay(300);
            Execute(writer, "COMMIT");
        });
        read.Start([]);
        read.Read().Should().BeTrue("the lock was given back while the read waited");
        read.GetInt64(0).Should().Be(7);
        read.Finish();
        release.Wait();
    }

    [Test]
    public void The_stores_reads_call_sqlite_directly_unless_the_switch_says_otherwise()
    {
        using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={_file}"))
            .BuildServiceProvider();
        var provider = services.GetRequiredService<ChatKitDatabaseProvider>();
        using var connection = Open();

        SqliteDirectRead.Available.Should().BeTrue("Microsoft.Data.Sqlite's default bundle is SQLitePCL's e_sqlite3");
        using (var read = provider.PrepareRead(connection, "SELECT 1", []))
            read.Should().BeOfType<SqliteDirectRead>();
        AppContext.SetSwitch(SqliteChatKitProvider.ReadThroughDataReaderSwitch, true);
        try
        {
            using var read = provider.PrepareRead(connection, "SELECT 1", []);
            read.Should().BeOfType<CommandPreparedRead>();
        }
        finally
        {
            AppContext.SetSwitch(SqliteChatKitProvider.ReadThroughDataReaderSwitch, false);
        }
    }
}
