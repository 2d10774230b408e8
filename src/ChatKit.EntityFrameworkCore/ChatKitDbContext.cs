using ChatKit.EntityFrameworkCore.Records;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The ChatKit tables. Each database provider has a subclass that owns its migrations, in the
/// provider's package (<c>SqliteChatKitDbContext</c> in ChatKit.EntityFrameworkCore.Sqlite,
/// <c>SqlServerChatKitDbContext</c>, <c>PostgreSqlChatKitDbContext</c>); the store only sees this base type.
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
    /// <summary>Values the store keeps about its own upkeep (<see cref="StoreStateRecord"/>).</summary>
    public DbSet<StoreStateRecord> StoreState => Set<StoreStateRecord>();

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
            // Id is unique through the alternate key that items and feedback reference (HasPrincipalKey below): a unique
            // index of its own as well would be a second copy, written on every new thread (dropped 2026-12-04).
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
        model.Entity<StoreStateRecord>(s =>
        {
            s.ToTable("chatkit_store_state");
            s.HasKey(x => x.Key);
            s.Property(x => x.Key).HasMaxLength(64);
            s.Property(x => x.Value).HasMaxLength(1000);
            // The row exists from the migration on, so instances only ever update it.
            s.HasData(new StoreStateRecord { Key = RestampMark.Key, Value = "" }, new StoreStateRecord { Key = SearchTextMark.Key, Value = "" });
        });
    }
}
