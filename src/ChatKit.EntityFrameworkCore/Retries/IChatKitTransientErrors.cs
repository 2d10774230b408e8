namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// A retry strategy's own notion of a transient error, for a caller that retries a whole sequence itself (a wait at start for
/// a database that is not up yet): implemented by the time-bounded strategies of the PostgreSQL and SQL Server packages.
/// </summary>
public interface IChatKitTransientErrors
{
    /// <summary>Whether <paramref name="exception"/> is one the strategy retries, or that waiting may fix.</summary>
    bool IsTransient(Exception exception);
}
