using System.Text.Json;
using ChatKitServer.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatKitServer.Admin;

/// <summary>Server-rendered admin pages: the thread list with filters, and one thread with everything in it.</summary>
[Route("admin")]
[ApiExplorerSettings(IgnoreApi = true)] // HTML pages, not an API
[EnableRateLimiting(Limits.UserLimits.Admin)]
[Authorize(Policy = AuthSetup.AdminPagesPolicy)] // a bearer header or the admin session cookie (AdminSignIn)
[AutoValidateAntiforgeryToken]
[AdminErrorPage] // a refused request gets a page, not JSON
public sealed class AdminController(AdminQueries queries, AdminOverviewQueries overview, AdminThreadExport export, IOptions<JsonOptions> json,
    ILogger<AdminController> logger) : Controller
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

    /// <summary>Charts of the figures of <c>GET /admin/api/overview</c>, which ride in the page: the API takes no cookie.</summary>
    [HttpGet("overview")]
    public async Task<IActionResult> Overview([FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? user, CancellationToken ct)
    {
        var figures = await overview.GetAsync(new AdminOverviewFilter(AdminApiController.Date(from, "from"), AdminApiController.Date(to, "to"), user), ct);
        return View(new AdminOverviewPage(figures, JsonSerializer.Serialize(figures, json.Value.JsonSerializerOptions)));
    }

    [HttpGet("threads/{id}/export.json")]
    public async Task<IActionResult> ExportJson(string id, CancellationToken ct) => AdminApiController.Download(await export.JsonAsync(id, ct));

    [HttpGet("threads/{id}/export.md")]
    public async Task<IActionResult> ExportMarkdown(string id, CancellationToken ct) => AdminApiController.Download(await export.MarkdownAsync(id, ct));

    [HttpPost("threads/{id}/delete")]
    public async Task<IActionResult> Delete(string id, CancellationToken ct)
    {
        await queries.DeleteAsync(id, ct);
        logger.LogWarning("Admin {AdminId} deleted thread {ThreadId}", ExactClaims.Subject(User), id);
        TempData["Message"] = $"Thread {id} was deleted.";
        return RedirectToAction(nameof(Index));
    }
}

public sealed record AdminIndexModel(AdminThreadFilter Filter, string? From, string? To, AdminThreadPage Page)
{
    /// <summary>The next page's address: the same filters, each value encoded (a user id or text may hold <c>&amp;</c>, <c>#</c>, <c>+</c>).</summary>
    public string NextPage => "/admin" + QueryString.Create(new Dictionary<string, string?>
    {
        ["user"] = Filter.User, ["from"] = From, ["to"] = To, ["q"] = Filter.Text, ["after"] = Page.After,
    }.Where(p => !string.IsNullOrEmpty(p.Value)));
}

/// <summary>The overview page: the figures, and the same as the API's JSON for the charts' script.</summary>
public sealed record AdminOverviewPage(AdminOverview Figures, string Json);
