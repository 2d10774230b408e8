namespace ChatKit.EntityFrameworkCore;

/// <summary>Which lock keeps turns on one thread apart (<see cref="IChatKitTurnLock"/>; see <see cref="ChatKitStoreBuilder.UseTurnLock"/>).</summary>
public enum ChatKitTurnLockMode
{
    /// <summary>The database's lock on SQL Server and PostgreSQL, the system's lock on a file next to a SQLite file (<c>SqliteFileTurnLock</c>), else the process's own.</summary>
    Auto,
    /// <summary>Within this process only (<see cref="InProcessTurnLock"/>): right for a single instance.</summary>
    InProcess,
    /// <summary>
    /// Held by the database (<c>PostgreSqlTurnLock</c>, <c>SqlServerTurnLock</c>, a <see cref="DatabaseTurnLock"/>) or, for a SQLite
    /// file, by the system next to it (<c>SqliteFileTurnLock</c>): right for several instances on one database. Needs a provider that has one (<see cref="ChatKitDatabaseProvider.HasDatabaseTurnLock"/>).
    /// </summary>
    Database,
}
