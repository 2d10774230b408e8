using ChatKit;

namespace ChatKitServer.Attachments;

/// <summary>An upload the server refuses: too large (413), of a type not allowed (415), or not matching what was declared (400).</summary>
public sealed class AttachmentRejectedException(int status, string message) : ChatKitException(message)
{
    public override int StatusCode => status;

    public static AttachmentRejectedException TooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, $"The file is larger than the limit of {limit} bytes.");
}
