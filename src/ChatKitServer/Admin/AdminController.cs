using ChatKitServer.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatKitServer.Admin;

/// <summary>Server-rendered admin pages: the thread list with filters, and one thread with everything in it.</summary>
[Route("admin")]
[ApiExplorerSettings(IgnoreApi = true)] // HTML pages, not an API
[EnableRateLimiting(Limits.UserLimits.Admin)]
[Authorize(Policy = AuthSetup.AdminPagesPolicy)] // a bearer header or the admin session cookie (AdminSignIn)
[AutoValidateAntiforgeryToken]
public sealed class AdminController(AdminQueries queries) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index([FromQuery] string? user, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? q,
        [FromQuery] string? after, CancellationToken ct)
    {
        var filter = new AdminThreadFilter(user, AdminApiController.Date(from, "from"), AdminApiController.Date(to, "to"), q, 50, after);
        return View(new AdminIndexModel(filter, from, to, await queries.ListAsync(filter, ct)));
    }

    [HttpGet("threads/{id}")]
    public async Task<IActionResult> Thread(string id, CancellationToken ct) => View(await queries.GetAsync(id, ct));

    [HttpPost("threads/{id}/delete")]
    public async Task<IActionResult> Delete(string id, CancellationToken ct)
    {
        await queries.DeleteAsync(id, ct);
        TempData["Message"] = $"Thread {id} was deleted.";
        return RedirectToAction(nameof(Index));
    }
}

public sealed record AdminIndexModel(AdminThreadFilter Filter, string? From, string? To, AdminThreadPage Page);
