using System.Runtime.CompilerServices;

namespace ChatKit.Client;

public sealed partial class ChatKitClient
{
    /// <summary>
    /// Every thread of the caller, one page after another: <c>threads.list</c> is asked for <paramref name="pageSize"/>
    /// threads at a time (the server's default when null), following <c>after</c> while the server says <c>has_more</c>.
    /// Pages are fetched as the enumeration needs them; stop it and no more are asked for.
    /// <code>
    /// await foreach (var thread in client.GetAllThreadsAsync(pageSize: 50))
    ///     Console.WriteLine(thread.Title);
    /// </code>
    /// </summary>
    /// <exception cref="InvalidDataException">A page says more follow but gives no new cursor (the listing would never end).</exception>
    public IAsyncEnumerable<ChatKitThread> GetAllThreadsAsync(SortOrder order = SortOrder.Desc, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllPagesAsync((after, ct) => ListThreadsAsync(pageSize, order, after, ct), thread => thread.Id, "threads.list", cancellationToken);

    /// <summary>
    /// Every item of <paramref name="threadId"/>, one page after another (<c>items.list</c>, as <see cref="GetAllThreadsAsync"/>
    /// does for threads). <see cref="SortOrder.Asc"/> reads the conversation from its start.
    /// </summary>
    /// <exception cref="InvalidDataException">A page says more follow but gives no new cursor (the listing would never end).</exception>
    public IAsyncEnumerable<ThreadItem> GetAllItemsAsync(string threadId, SortOrder order = SortOrder.Desc, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllPagesAsync((after, ct) => ListItemsAsync(threadId, pageSize, order, after, ct), item => item.Id, "items.list", cancellationToken);

    private static async IAsyncEnumerable<T> AllPagesAsync<T>(Func<string?, CancellationToken, Task<Page<T>>> pageAfter, Func<T, string> id, string what,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var page = await pageAfter(after, cancellationToken).ConfigureAwait(false);
            foreach (var row in page.Data) yield return row;
            if (!page.HasMore) yield break;
            // The cursor is the page's 'after', or the last row's id (what 'after' means) when the server leaves it out.
            var next = page.After ?? (page.Data.Count > 0 ? id(page.Data[^1]) : null);
            if (next is null || next == after)
                throw new InvalidDataException($"{what} answered has_more with no new cursor after '{after ?? "the start"}': the listing would never end.");
            after = next;
        }
    }
}
