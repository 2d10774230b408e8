using System.Text.Json.Serialization;

namespace ChatKit;

/// <summary>Lifecycle state of a thread: active, locked or closed. Locked and closed threads refuse new work.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ActiveStatus), "active")]
[JsonDerivedType(typeof(LockedStatus), "locked")]
[JsonDerivedType(typeof(ClosedStatus), "closed")]
public abstract class ThreadStatus
{
    /// <summary>The wire name of this status: <c>active</c>, <c>locked</c> or <c>closed</c>.</summary>
    [JsonIgnore] public abstract string Kind { get; }

    /// <summary>Why the thread does not accept work, when it does not; null for an active thread.</summary>
    [JsonIgnore] public virtual string? Explanation => null;

    /// <summary>A new active status.</summary>
    public static ThreadStatus Active() => new ActiveStatus();
}

/// <summary>The thread accepts new work.</summary>
public sealed class ActiveStatus : ThreadStatus
{
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "active";
}

/// <summary>The thread is locked: read-only for now.</summary>
public sealed class LockedStatus : ThreadStatus
{
    /// <summary>Why the thread is locked, shown to the user.</summary>
    public string? Reason { get; set; }
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "locked";
    /// <inheritdoc />
    [JsonIgnore] public override string? Explanation => Reason ?? "This thread is locked.";
}

/// <summary>The thread is closed for good.</summary>
public sealed class ClosedStatus : ThreadStatus
{
    /// <summary>Why the thread is closed, shown to the user.</summary>
    public string? Reason { get; set; }
    /// <inheritdoc />
    [JsonIgnore] public override string Kind => "closed";
    /// <inheritdoc />
    [JsonIgnore] public override string? Explanation => Reason ?? "This thread is closed.";
}
