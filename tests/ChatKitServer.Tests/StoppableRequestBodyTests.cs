using System.IO.Pipelines;
using ChatKit.AspNetCore;

namespace ChatKitServer.Tests;

/// <summary>The request body reader that a deadline stops by cancelling the pending read.</summary>
public class StoppableRequestBodyTests
{
    [Test]
    public async Task It_reads_what_arrives_and_ends_with_the_body()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("hello"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        await using var body = new StoppableRequestBody(pipe.Reader, CancellationToken.None);

        var text = await new StreamReader(body).ReadToEndAsync();

        text.Should().Be("hello");
    }

    [Test]
    public async Task A_stop_while_waiting_for_bytes_ends_the_read()
    {
        var pipe = new Pipe();
        using var stop = new CancellationTokenSource();
        await using var body = new StoppableRequestBody(pipe.Reader, stop.Token);
        var reading = body.ReadAsync(new byte[16], stop.Token).AsTask();

        await stop.CancelAsync();

        await reading.Invoking(r => r.WaitAsync(TimeSpan.FromSeconds(5))).Should().ThrowAsync<OperationCanceledException>();
    }

    [Test]
    public async Task A_stop_that_comes_with_bytes_still_stops_and_later_reads_do_not_wait_for_ever()
    {
        var pipe = new Pipe();
        using var stop = new CancellationTokenSource();
        await using var body = new StoppableRequestBody(pipe.Reader, stop.Token);
        await pipe.Writer.WriteAsync("more bytes"u8.ToArray()); // bytes are there when the stop fires
        await stop.CancelAsync();

        var first = () => body.ReadAsync(new byte[16], stop.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        await first.Should().ThrowAsync<OperationCanceledException>();
        await pipe.Writer.WriteAsync("even more"u8.ToArray());
        var second = () => body.ReadAsync(new byte[16], stop.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        await second.Should().ThrowAsync<OperationCanceledException>("a stopped body stays stopped");
    }
}
