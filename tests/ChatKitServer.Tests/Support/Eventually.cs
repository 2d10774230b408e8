namespace ChatKitServer.Tests.Support;

/// <summary>Waits for work the server finishes after a response (a cancelled turn being saved).</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it answers a value; fails after 10 s saying what was awaited.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
