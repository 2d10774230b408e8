using System.Data;
using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The turn lock on SQL Server: an application lock (<c>sp_getapplock</c>, <c>@LockOwner = 'Session'</c>)
/// taken by a connection held for the turn. A session's application locks are released when the
/// session ends; the resource name is compared byte for byte whatever the database's collation.
/// The lock connections come from a pool of their own (another application name). Not run by the
/// tests (SQL Server cannot run on the CI machines): written and reviewed against the documentation.
/// </summary>
public sealed class SqlServerTurnLock : DatabaseTurnLock
{
    private const string Lock = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = -1;
        SELECT @result;
        """;

    private const string Unlock = """
        IF APPLOCK_MODE('public', @resource, 'Session') <> 'NoLock'
            EXEC sp_releaseapplock @Resource = @resource, @LockOwner = 'Session';
        """;

    private readonly string _connectionString;

    /// <summary>Creates the lock for the database of <paramref name="connectionString"/>.</summary>
    public SqlServerTurnLock(string connectionString, ILogger<SqlServerTurnLock> logger) : base(logger) =>
        _connectionString = new SqlConnectionStringBuilder(connectionString) { ApplicationName = ApplicationName, Enlist = false }.ConnectionString;

    /// <summary>The application lock resource of a thread (ids are at most 64 characters; the limit is 255).</summary>
    public static string ResourceOf(string threadId) => "chatkit-turn:" + threadId;

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    protected override async Task LockAsync(DbConnection connection, string threadId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, Lock, threadId);
        command.CommandTimeout = 0;
        object? answer;
        try
        {
            answer = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqlException) when (cancellationToken.IsCancellationRequested)
        {
            // SqlClient reports a cancelled wait as an error of the command ("operation cancelled by user").
            throw new OperationCanceledException(cancellationToken);
        }
        var result = Convert.ToInt32(answer, System.Globalization.CultureInfo.InvariantCulture);
        // 0: granted at once, 1: granted after a wait; -1 timeout, -2 cancelled, -3 deadlock victim, -999 call error.
        if (result < 0)
            throw new ChatKitTurnLockException($"sp_getapplock did not grant the turn lock of thread '{threadId}' (result {result}).");
    }

    /// <inheritdoc />
    protected override async Task UnlockAsync(DbConnection connection, string threadId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, Unlock, threadId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Discard(DbConnection connection) => SqlConnection.ClearPool((SqlConnection)connection);

    private static SqlCommand Command(DbConnection connection, string sql, string threadId)
    {
        var command = new SqlCommand(sql, (SqlConnection)connection);
        command.Parameters.Add(new SqlParameter("@resource", SqlDbType.NVarChar, 255) { Value = ResourceOf(threadId) });
        return command;
    }
}
