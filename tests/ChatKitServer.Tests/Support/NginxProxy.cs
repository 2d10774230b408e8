using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatKitServer.Tests.Support;

/// <summary>
/// A real nginx (Debian's) on a loopback port in front of server instances, round-robin, configured as the
/// README's "Running several instances" says for SSE (no buffering either way, long read timeout, forwarded
/// headers). It runs as a plain process with its configuration, pid, logs and temporary files in a folder of
/// its own. Every answer carries <c>X-Upstream</c>: the instance (or instances, comma-separated, when nginx
/// had to try another) that answered. The test is skipped when nginx is not installed.
/// </summary>
public sealed class NginxProxy : IDisposable
{
    /// <summary>The header naming the instance that answered.</summary>
    public const string UpstreamHeader = "X-Upstream";

    private readonly Process _process;
    private readonly string _folder;

    public int Port { get; }
    public Uri Address => new($"http://127.0.0.1:{Port}");

    private NginxProxy(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    /// <summary>The nginx binary; the calling test is skipped when there is none.</summary>
    public static string EnsureInstalled()
    {
        var binary = new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists);
        if (binary is null)
            Assert.Ignore("nginx test skipped: nginx is not installed (apt-get install nginx).");
        return binary!;
    }

    /// <summary>Starts nginx in front of the instances listening on <paramref name="upstreamPorts"/>.</summary>
    public static async Task<NginxProxy> StartAsync(IReadOnlyList<int> upstreamPorts)
    {
        var binary = EnsureInstalled();
        var folder = Path.Combine(Path.GetTempPath(), "chatkit-nginx-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(folder);
        var port = ServerProcess.FreePort();
        var config = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(config, Configuration(folder, port, upstreamPorts));
        var process = Process.Start(new ProcessStartInfo(binary, ["-c", config, "-p", folder + "/", "-e", Path.Combine(folder, "error.log")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var proxy = new NginxProxy(process, folder, port);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return proxy;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        var log = proxy.ErrorLog;
        proxy.Dispose();
        throw new InvalidOperationException($"nginx did not start on port {port}: {log}");
    }

    /// <summary>What nginx logged (errors, and upstreams it gave up on).</summary>
    public string ErrorLog
    {
        get
        {
            var log = Path.Combine(_folder, "error.log");
            return File.Exists(log) ? File.ReadAllText(log) : "(no error log)";
        }
    }

    /// <summary>The port of the instance that finally answered <paramref name="response"/> (the last one nginx tried).</summary>
    public static int AnsweredBy(HttpResponseMessage response)
    {
        response.Headers.TryGetValues(UpstreamHeader, out var values).Should().BeTrue($"nginx names the instance in {UpstreamHeader}");
        var last = string.Join(",", values!).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[^1];
        return int.Parse(last[(last.LastIndexOf(':') + 1)..]);
    }

    private static string Configuration(string folder, int port, IReadOnlyList<int> upstreamPorts) => $$"""
        daemon off;
        worker_processes 1;
        pid {{folder}}/nginx.pid;
        error_log {{folder}}/error.log warn;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path {{folder}}/client_body;
            proxy_temp_path {{folder}}/proxy;
            fastcgi_temp_path {{folder}}/fastcgi;
            uwsgi_temp_path {{folder}}/uwsgi;
            scgi_temp_path {{folder}}/scgi;

            upstream chatkit {
        {{string.Join("\n", upstreamPorts.Select(p => $"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;"))}}
            }

            server {
                listen 127.0.0.1:{{port}};
                client_max_body_size 21m;

                location / {
                    proxy_pass http://chatkit;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $http_host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Forwarded-Host $http_host;
                    proxy_buffering off;
                    proxy_request_buffering off;
                    proxy_read_timeout 1h;
                    proxy_send_timeout 1h;
                    add_header {{UpstreamHeader}} $upstream_addr always;
                }
            }
        }
        """;

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
