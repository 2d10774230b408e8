using ChatKitServer.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatKitServer.Admin;

/// <summary>
/// <c>GET /admin/api/overview?from=&amp;to=&amp;user=</c>: activity over whole UTC days for administrators
/// (threads and turns per day, tokens per day by model, feedback per day, errors by code, the threads with
/// the slowest turns). <c>from</c> and <c>to</c> are ISO-8601 dates or times, <c>to</c> excluded; without
/// them, the last 30 days. At most 366 days and 100,000 threads, items or feedback rows each (400 beyond).
/// </summary>
[ApiController]
[Route("admin/api/overview")]
[Tags("Admin")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
[EnableRateLimiting(Limits.UserLimits.Admin)]
[Authorize(Policy = AuthSetup.AdminPolicy)]
public sealed class AdminOverviewApiController(AdminOverviewQueries overview) : ControllerBase
{
    [HttpGet]
    [ProducesResponseType<AdminOverview>(StatusCodes.Status200OK, "application/json")]
    public async Task<AdminOverview> Get([FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? user, CancellationToken ct) =>
        await overview.GetAsync(new AdminOverviewFilter(AdminApiController.Date(from, "from"), AdminApiController.Date(to, "to"), user), ct);
}
