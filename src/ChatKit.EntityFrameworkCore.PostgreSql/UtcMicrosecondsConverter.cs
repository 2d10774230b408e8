using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Hands PostgreSQL a <see cref="DateTimeOffset"/> as the UTC instant to the microsecond, the precision
/// of <c>timestamp with time zone</c>. Npgsql writes only UTC values to that type (an offset other
/// than zero is an error) and would drop the digits below a microsecond itself; ChatKit's own times
/// (<see cref="ChatKitClock"/>) pass unchanged.
/// </summary>
public sealed class UtcMicrosecondsConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(
    value => ChatKitClock.ToMicroseconds(value),
    value => value);
