using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChatKit.EntityFrameworkCore;

/// <summary>
/// Stores a <see cref="DateTimeOffset"/> as its UTC ticks (100 ns units), for SQLite, which has no
/// time type it can compare or sort. Every value reads back as the same instant to the tick, in UTC,
/// and the integers sort as the instants do. (EF's own <c>DateTimeOffsetToBinaryConverter</c> keeps
/// only 0.1 ms, so a thread's <c>created_at</c> changed after it was stored.)
/// </summary>
public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    value => value.UtcTicks,
    ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
