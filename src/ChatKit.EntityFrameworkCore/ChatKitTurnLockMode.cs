namespace ChatKit.EntityFrameworkCore;

/// <summary>Which lock keeps turns on one thread apart (<see cref="IChatKitTurnLock"/>; see <see cref="ChatKitStoreBuilder.UseTurnLock"/>).</summary>
public enum ChatKitTurnLockMode
{
    /// <summary>The database's lock on SQL Server and PostgreSQL, the process's own on SQLite.</summary>
    Auto,
    /// <summary>Within this process only (<see cref="InProcessTurnLock"/>): right for a single instance.</summary>
    InProcess,
    /// <summary>
    /// Held by the database (<c>PostgreSqlTurnLock</c>, <c>SqlServerTurnLock</c>, a <see cref="DatabaseTurnLock"/>): right for
    /// several instances on one database. Needs a provider that has one (<see cref="ChatKitDatabaseProvider.HasDatabaseTurnLock"/>).
    /// </summary>
    Database,
}
