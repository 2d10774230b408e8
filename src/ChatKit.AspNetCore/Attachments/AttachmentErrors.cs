using ChatKit;

namespace ChatKit.AspNetCore;

/// <summary>An upload the server refuses: too large (413), of a type not allowed (415), or not matching what was declared (400).</summary>
public sealed class AttachmentRejectedException(int status, string message) : ChatKitException(message)
{
    /// <inheritdoc />
    public override int StatusCode => status;

    /// <summary>A 413 naming the limit.</summary>
    public static AttachmentRejectedException TooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, $"The file is larger than the limit of {limit} bytes.");
}
