namespace ChatKit;

/// <summary>A page of records: <c>{data, has_more, after}</c>. <see cref="After"/> is the cursor of the last row when more follow.</summary>
public sealed class Page<T>
{
    /// <summary>The records of this page.</summary>
    public List<T> Data { get; set; } = [];

    /// <summary>Whether more records follow this page.</summary>
    public bool HasMore { get; set; }

    /// <summary>The cursor to pass as <c>after</c> for the next page (the last row's id); null on the last page.</summary>
    public string? After { get; set; }
}

/// <summary>Sort direction of a listing.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(ChatKit.Json.WireNameEnumConverter<SortOrder>))]
public enum SortOrder
{
    /// <summary>Oldest first.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("asc")] Asc,
    /// <summary>Newest first (the protocol's default).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("desc")] Desc,
}
