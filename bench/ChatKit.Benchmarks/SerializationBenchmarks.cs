using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using ChatKit.Json;

namespace ChatKit.Benchmarks;

/// <summary>
/// One SSE frame per stream event, written exactly as the server writes it. The framing is the
/// three lines of <c>ChatKitStreamWriter.WriteFrameAsync</c> (src/ChatKitServer/Endpoint/ChatKitStreamWriter.cs),
/// reproduced here rather than referencing the web project: <c>data: </c>, a fresh
/// <see cref="Utf8JsonWriter"/> over the response's buffer writer serializing through
/// <c>ChatKitJson.Context.ThreadStreamEvent</c>, then <c>\n\n</c>. The server's writer is
/// Kestrel's response <see cref="PipeWriter"/>; here it is an <see cref="ArrayBufferWriter{T}"/>
/// reset per operation (pure serialization cost), plus one case on a real <see cref="Pipe"/>
/// with the flush and a reader draining it. The "Frame bytes" column is the frame's length on
/// the wire, <c>data: </c> and <c>\n\n</c> included.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class SerializationBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new TagColumn("Frame bytes", method => FrameBytes(method)));
    }

    // As in ChatKitStreamWriter.
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();

    private ArrayBufferWriter<byte> _buffer = null!;
    private Utf8JsonWriter _reusedWriter = null!;
    private Pipe _pipe = null!;
    private ThreadStreamEvent _textDelta = null!;
    private ThreadStreamEvent _itemDone = null!;
    private ThreadStreamEvent _itemDoneFrench = null!;
    private ThreadStreamEvent _threadCreated = null!;

    /// <summary>The server's framing, line for line (minus the flush, which the pipe case adds).</summary>
    private static void WriteFrame(IBufferWriter<byte> pipe, ThreadStreamEvent ev)
    {
        pipe.Write(DataPrefix);
        using (var json = new Utf8JsonWriter(pipe, ChatKitJson.WriterOptions))
            JsonSerializer.Serialize(json, ev, ChatKitJson.Context.ThreadStreamEvent);
        pipe.Write(FrameEnd);
    }

    /// <summary><c>thread.item.updated</c> with a text delta: one per model token, by far the most frequent event.</summary>
    internal static ThreadStreamEvent TextDeltaEvent() => new ThreadItemUpdatedEvent
    {
        ItemId = SampleData.ItemId,
        Update = new AssistantMessageContentPartTextDelta { ContentIndex = 0, Delta = SampleData.Delta },
    };

    /// <summary><c>thread.item.done</c> with a finished assistant message of 500 characters.</summary>
    internal static ThreadStreamEvent ItemDoneEvent(string text) => new ThreadItemDoneEvent
    {
        Item = new AssistantMessageItem
        {
            Id = SampleData.ItemId,
            ThreadId = SampleData.ThreadId,
            CreatedAt = SampleData.CreatedAt,
            Content = [new AssistantMessageContent { Text = text }],
        },
    };

    /// <summary><c>thread.created</c> as the engine sends it: <c>ChatKitThread.ForClient</c> of a new untitled thread.</summary>
    internal static ThreadStreamEvent ThreadCreatedEvent() => new ThreadCreatedEvent
    {
        Thread = ChatKitThread.ForClient(new ThreadMetadata { Id = SampleData.ThreadId, CreatedAt = SampleData.CreatedAt }),
    };

    private static ThreadStreamEvent? EventOf(string method) => method switch
    {
        nameof(TextDelta) or nameof(TextDelta_ReusedWriter) or nameof(TextDelta_PipeWithFlush) => TextDeltaEvent(),
        nameof(ItemDone_Assistant500) => ItemDoneEvent(SampleData.Prose(500)),
        nameof(ItemDone_Assistant500_French) => ItemDoneEvent(SampleData.FrenchProse(500)),
        nameof(ThreadCreated) => ThreadCreatedEvent(),
        _ => null,
    };

    /// <summary>The frame's length in bytes (computed in the host process for the results table).</summary>
    private static string FrameBytes(string method)
    {
        if (EventOf(method) is not { } ev) return "?";
        var buffer = new ArrayBufferWriter<byte>();
        WriteFrame(buffer, ev);
        return buffer.WrittenCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [GlobalSetup]
    public void Setup()
    {
        _buffer = new ArrayBufferWriter<byte>(64 * 1024);
        _reusedWriter = new Utf8JsonWriter(_buffer, ChatKitJson.WriterOptions);
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        _textDelta = TextDeltaEvent();
        _itemDone = ItemDoneEvent(SampleData.Prose(500));
        _itemDoneFrench = ItemDoneEvent(SampleData.FrenchProse(500));
        _threadCreated = ThreadCreatedEvent();
        foreach (var (name, ev) in new[] { ("thread.item.updated", _textDelta), ("thread.item.done", _itemDone), ("thread.item.done (French)", _itemDoneFrench), ("thread.created", _threadCreated) })
        {
            _buffer.ResetWrittenCount();
            WriteFrame(_buffer, ev);
            Console.WriteLine($"// {name}: {_buffer.WrittenCount} bytes per frame: {System.Text.Encoding.UTF8.GetString(_buffer.WrittenSpan).TrimEnd()}");
        }
        _buffer.ResetWrittenCount();
    }

    [Benchmark(Description = "thread.item.updated (text delta)")]
    public int TextDelta()
    {
        _buffer.ResetWrittenCount();
        WriteFrame(_buffer, _textDelta);
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "thread.item.done (assistant, 500 chars)")]
    public int ItemDone_Assistant500()
    {
        _buffer.ResetWrittenCount();
        WriteFrame(_buffer, _itemDone);
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "thread.item.done (assistant, 500 chars, French)")]
    public int ItemDone_Assistant500_French()
    {
        _buffer.ResetWrittenCount();
        WriteFrame(_buffer, _itemDoneFrench);
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "thread.created")]
    public int ThreadCreated()
    {
        _buffer.ResetWrittenCount();
        WriteFrame(_buffer, _threadCreated);
        return _buffer.WrittenCount;
    }

    /// <summary>Not what the server does: the text delta with one <see cref="Utf8JsonWriter"/> reused (Reset) instead of a new one per frame.</summary>
    [Benchmark(Description = "thread.item.updated, Utf8JsonWriter reused (not the server's code)")]
    public int TextDelta_ReusedWriter()
    {
        _buffer.ResetWrittenCount();
        _buffer.Write(DataPrefix);
        _reusedWriter.Reset(_buffer);
        JsonSerializer.Serialize(_reusedWriter, _textDelta, ChatKitJson.Context.ThreadStreamEvent);
        _reusedWriter.Flush();
        _buffer.Write(FrameEnd);
        return _buffer.WrittenCount;
    }

    /// <summary>The text delta on a real <see cref="Pipe"/>: frame, <c>FlushAsync</c> (as the server does per frame), and a reader draining it.</summary>
    [Benchmark(Description = "thread.item.updated on a Pipe, with flush + drain")]
    public long TextDelta_PipeWithFlush()
    {
        WriteFrame(_pipe.Writer, _textDelta);
        var flush = _pipe.Writer.FlushAsync();
        if (!flush.IsCompleted) flush.AsTask().GetAwaiter().GetResult();
        if (!_pipe.Reader.TryRead(out var read)) throw new InvalidOperationException("The frame did not reach the reader.");
        var length = read.Buffer.Length;
        _pipe.Reader.AdvanceTo(read.Buffer.End);
        return length;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reusedWriter.Dispose();
        _pipe.Writer.Complete();
        _pipe.Reader.Complete();
    }
}
