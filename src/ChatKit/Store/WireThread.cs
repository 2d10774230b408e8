using ChatKit.Json;

namespace ChatKit;

/// <summary>
/// A thread of a <c>threads.list</c> page on its way to a client (<see cref="IChatKitStore.LoadWireThreadsAsync"/>): either the
/// thread, or the JSON its store keeps for the thread's client members (<see cref="ClientJsonOf"/>) when the store can vouch
/// that this JSON is exactly what <see cref="ClientJsonOf"/> writes for the thread as it is stored now, so it is sent as it
/// is. Exactly one of <see cref="Thread"/> and <see cref="Json"/> is set.
/// </summary>
public readonly struct WireThread
{
    /// <summary>A thread to serialize.</summary>
    public WireThread(ThreadMetadata thread) => Thread = thread ?? throw new ArgumentNullException(nameof(thread));

    /// <summary>
    /// A thread's client members as JSON (<see cref="ClientJsonOf"/>), sent without being read or checked: only for JSON the
    /// store knows to be what this build wrote for the thread it holds now.
    /// </summary>
    public WireThread(string json) => Json = json ?? throw new ArgumentNullException(nameof(json));

    /// <summary>The thread, when it is to be serialized.</summary>
    public ThreadMetadata? Thread { get; }

    /// <summary>The thread's client members as JSON, when they are to be sent as they are.</summary>
    public string? Json { get; }

    /// <summary>
    /// What a client is sent of <paramref name="thread"/> besides its items: the JSON <see cref="ChatKitJson"/> writes for its id,
    /// title, creation time, status and allowed image domains (<see cref="ChatKitThread.ForClient"/> without the items;
    /// integration metadata left out). A store that keeps this JSON next to the thread may hand it out as a
    /// <see cref="WireThread(string)"/>.
    /// </summary>
    public static string ClientJsonOf(ThreadMetadata thread) => ChatKitJson.Serialize(ChatKitThread.ClientFields(thread));
}
