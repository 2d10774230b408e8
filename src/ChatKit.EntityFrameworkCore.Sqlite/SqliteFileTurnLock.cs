using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// The turn lock of the processes that share one SQLite file on one machine (docs/decisions/0008-turn-lock.md):
/// a byte-range lock of the operating system (<see cref="FileStream.Lock"/>: <c>fcntl</c> on Linux, <c>LockFileEx</c>
/// on Windows) on a file next to the database, <c>&lt;database&gt;-turnlock</c>, one byte per thread at an offset
/// hashed from its id. The system drops a process's locks when the process ends, however it ends, so a crashed
/// instance gives its threads back at once. A turn first queues in its own process (an <see cref="InProcessTurnLock"/>
/// keyed by the byte, shared by every store of the process on that file, since a process does not exclude itself
/// with these locks), then asks for the byte without blocking and, while another process holds it, asks again after
/// 10 ms, doubling up to 250 ms. Not on macOS, where .NET has no byte-range locks.
/// </summary>
[UnsupportedOSPlatform("macos")]
public sealed class SqliteFileTurnLock : IChatKitTurnLock, IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMilliseconds(250);
    private static readonly Dictionary<string, LockFile> Open = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    private readonly ILogger _logger;
    private LockFile? _file;
    private bool _disposed;

    /// <summary>The lock of the database at <paramref name="databasePath"/>; its lock file is opened (created when missing) by the first turn.</summary>
    public SqliteFileTurnLock(string databasePath, ILogger<SqliteFileTurnLock> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        Path = LockFilePath(databasePath);
    }

    /// <summary>The lock file: the database's path, its symbolic links resolved, followed by <c>-turnlock</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// The lock file of the database at <paramref name="databasePath"/>: every process that reaches the database, by
    /// whatever path, must find the same one, so symbolic links on the way (folders, or the file itself) are resolved.
    /// </summary>
    public static string LockFilePath(string databasePath) => Resolved(System.IO.Path.GetFullPath(databasePath)) + "-turnlock";

    /// <summary><paramref name="fullPath"/> with each symbolic link on it replaced by what it points to (parts that do not exist yet are kept).</summary>
    private static string Resolved(string fullPath)
    {
        var root = System.IO.Path.GetPathRoot(fullPath)!;
        var resolved = root;
        foreach (var part in fullPath[root.Length..].Split(System.IO.Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = System.IO.Path.Combine(resolved, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            resolved = info.Exists && info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next : next;
        }
        return resolved;
    }

    /// <summary>The byte of the lock file that stands for <paramref name="threadId"/>: the first 62 bits of SHA-256(<c>chatkit-turn:</c> + id).</summary>
    public static long Offset(string threadId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("chatkit-turn:" + threadId), hash);
        return (long)(BinaryPrimitives.ReadUInt64BigEndian(hash) >> 2);
    }

    /// <inheritdoc />
    public async Task<IAsyncDisposable> AcquireAsync(string threadId, CancellationToken cancellationToken)
    {
        var file = Volatile.Read(ref _file) ?? Attach();
        var offset = Offset(threadId);
        var local = await file.Local.AcquireAsync(offset.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        try
        {
            var wait = FirstRetry;
            while (!file.TryLock(offset))
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestRetry.Ticks));
            }
            return new Held(this, file, threadId, offset, local);
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The process's open lock file for <see cref="Path"/>, opened by the first lock of the process that needs it.</summary>
    private LockFile Attach()
    {
        lock (Open)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_file is not null) return _file;
            if (!Open.TryGetValue(Path, out var file))
                Open[Path] = file = new LockFile(Path);
            file.Users++;
            Volatile.Write(ref _file, file);
            return file;
        }
    }

    /// <summary>Closes the lock file once no store of this process uses it (which lets go of any byte still held).</summary>
    public void Dispose()
    {
        lock (Open)
        {
            if (_disposed) return;
            _disposed = true;
            if (_file is not { } file || --file.Users > 0) return;
            Open.Remove(Path);
            file.Stream.Dispose();
        }
    }

    private sealed class LockFile(string path)
    {
        public readonly FileStream Stream = new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        public readonly InProcessTurnLock Local = new();
        public int Users;

        /// <summary>Takes the byte at <paramref name="offset"/>; false while another process holds it.</summary>
        public bool TryLock(long offset)
        {
            try
            {
                Stream.Lock(offset, 1);
                return true;
            }
            catch (IOException ex) when (HeldElsewhere(ex))
            {
                return false;
            }
        }

        /// <summary>EAGAIN or EACCES from <c>fcntl(F_SETLK)</c>; ERROR_LOCK_VIOLATION from <c>LockFileEx</c>.</summary>
        private static bool HeldElsewhere(IOException ex) =>
            OperatingSystem.IsWindows() ? (ex.HResult & 0xFFFF) == 33 : ex.HResult is 11 or 13 or 35;
    }

    private sealed class Held(SqliteFileTurnLock owner, LockFile file, string threadId, long offset, IAsyncDisposable local) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            try
            {
                file.Stream.Unlock(offset, 1);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The host closed the file first, which let go of the byte; unlocking a byte of an open file does not fail
                // otherwise. Either way the turn ends here and the log says why.
                owner._logger.LogWarning(ex, "Releasing the turn lock of {ThreadId} in {LockFile} failed", threadId, owner.Path);
            }
            finally
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
