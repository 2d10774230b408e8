using System.Data.Common;

namespace ChatKit.EntityFrameworkCore;

/// <summary>The database refused a turn lock (a database failure: hosts answer it like one).</summary>
public sealed class ChatKitTurnLockException(string message) : DbException(message);
