using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The ChatKit tables. Each database provider has a subclass that owns its migrations
/// (<see cref="SqliteChatKitDbContext"/>, <see cref="SqlServerChatKitDbContext"/>,
/// <see cref="PostgreSqlChatKitDbContext"/>); the store only
/// sees this base type.
/// </summary>
public abstract class ChatKitDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>Threads.</summary>
    public DbSet<ThreadRecord> Threads => Set<ThreadRecord>();
    /// <summary>Thread items.</summary>
    public DbSet<ItemRecord> Items => Set<ItemRecord>();
    /// <summary>Attachments.</summary>
    public DbSet<AttachmentRecord> Attachments => Set<AttachmentRecord>();
    /// <summary>Feedback.</summary>
    public DbSet<FeedbackRecord> Feedback => Set<FeedbackRecord>();
    /// <summary>Per-user memories of the assistant.</summary>
    public DbSet<MemoryRecord> Memories => Set<MemoryRecord>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ThreadRecord>(t =>
        {
            t.ToTable("chatkit_threads");
            t.HasKey(x => x.Sequence);
            t.Property(x => x.Sequence).ValueGeneratedOnAdd();
            t.Property(x => x.Id).HasMaxLength(64);
            t.Property(x => x.UserId).HasMaxLength(256);
            t.Property(x => x.Title).HasMaxLength(1000);
            t.HasIndex(x => x.Id).IsUnique();
            // A user's threads are listed by creation time, then arrival (see decision 0002).
            t.HasIndex(x => new { x.UserId, x.CreatedAt, x.Sequence });
        });
        model.Entity<ItemRecord>(i =>
        {
            i.ToTable("chatkit_items");
            i.HasKey(x => x.Sequence);
            i.Property(x => x.Sequence).ValueGeneratedOnAdd();
            i.Property(x => x.Id).HasMaxLength(64);
            i.Property(x => x.ThreadId).HasMaxLength(64);
            i.Property(x => x.UserId).HasMaxLength(256);
            i.Property(x => x.Type).HasMaxLength(64);
            i.HasIndex(x => new { x.ThreadId, x.Id }).IsUnique();
            // A thread's items are ordered by creation time, then by arrival (see decision 0002).
            i.HasIndex(x => new { x.ThreadId, x.CreatedAt, x.Sequence });
            i.HasIndex(x => x.CreatedAt);
            i.HasOne<ThreadRecord>().WithMany().HasForeignKey(x => x.ThreadId).HasPrincipalKey(t => t.Id).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<AttachmentRecord>(a =>
        {
            a.ToTable("chatkit_attachments");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).HasMaxLength(64);
            a.Property(x => x.UserId).HasMaxLength(256);
            a.Property(x => x.ThreadId).HasMaxLength(64);
            a.HasIndex(x => new { x.UserId, x.CreatedAt });
            a.HasIndex(x => x.ThreadId);
        });
        model.Entity<FeedbackRecord>(f =>
        {
            f.ToTable("chatkit_feedback");
            f.HasKey(x => x.Sequence);
            f.Property(x => x.Sequence).ValueGeneratedOnAdd();
            f.Property(x => x.ThreadId).HasMaxLength(64);
            f.Property(x => x.ItemId).HasMaxLength(64);
            f.Property(x => x.UserId).HasMaxLength(256);
            f.Property(x => x.Kind).HasMaxLength(16);
            f.HasIndex(x => new { x.ThreadId, x.ItemId }).IsUnique();
            f.HasOne<ThreadRecord>().WithMany().HasForeignKey(x => x.ThreadId).HasPrincipalKey(t => t.Id).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<MemoryRecord>(m =>
        {
            m.ToTable("chatkit_memories");
            m.HasKey(x => x.Sequence);
            m.Property(x => x.Sequence).ValueGeneratedOnAdd();
            m.Property(x => x.Id).HasMaxLength(64);
            m.Property(x => x.UserId).HasMaxLength(256);
            m.Property(x => x.Text).HasMaxLength(4000);
            m.HasIndex(x => x.Id).IsUnique();
            m.HasIndex(x => new { x.UserId, x.Sequence });
        });
    }
}

/// <summary>
/// The SQLite schema and its migrations (Migrations/Sqlite). SQLite has no date type EF can compare
/// or sort, so times are stored as sortable integers: UTC ticks, exact to 100 ns
/// (<see cref="UtcTicksConverter"/>). Text compares byte by byte (SQLite's BINARY collation), so user
/// ids are exact without further settings.
/// </summary>
public sealed class SqliteChatKitDbContext(DbContextOptions<SqliteChatKitDbContext> options) : ChatKitDbContext(options)
{
    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
}

/// <summary>
/// The SQL Server schema and its migrations (Migrations/SqlServer). Times are <c>datetimeoffset(7)</c>
/// (exact to 100 ns). Ids and user ids use a binary collation: a database's default collation is
/// usually case-insensitive, which would let <c>Alice</c> and <c>alice</c> share threads.
/// </summary>
public sealed class SqlServerChatKitDbContext(DbContextOptions<SqlServerChatKitDbContext> options) : ChatKitDbContext(options)
{
    /// <summary>The collation of every id and user id column: compares code points, case- and accent-sensitive.</summary>
    public const string ExactCollation = "Latin1_General_100_BIN2";

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        foreach (var property in model.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            if (property.ClrType == typeof(string) && (property.Name == "UserId" || property.Name.EndsWith("Id", StringComparison.Ordinal)))
                property.SetCollation(ExactCollation);
        }
    }
}

/// <summary>
/// The PostgreSQL schema and its migrations (Migrations/PostgreSql). Times are <c>timestamp with time
/// zone</c>, which keeps whole microseconds: ChatKit times are UTC microseconds (<see cref="ChatKitClock"/>),
/// so they read back exactly as sent; any other value is stored as its UTC instant truncated to the
/// microsecond (<see cref="UtcMicrosecondsConverter"/>; Npgsql refuses offsets other than zero).
/// Ids and user ids need no collation setting: PostgreSQL's collations are deterministic unless
/// created otherwise, and a deterministic collation calls two strings equal only when their bytes
/// are equal, so <c>Alice</c> and <c>alice</c> are two users whatever the database's locale.
/// </summary>
public sealed class PostgreSqlChatKitDbContext(DbContextOptions<PostgreSqlChatKitDbContext> options) : ChatKitDbContext(options)
{
    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcMicrosecondsConverter>();
}
