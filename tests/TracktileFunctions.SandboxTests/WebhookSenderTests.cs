using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Sandbox.Webhooks;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.SandboxTests;

public sealed class WebhookSenderTests : IAsyncLifetime
{
    private const string Secret = "tt_secret_4f9a";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_705_314_600);
    private static readonly byte[] Body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "events", "order.status.changed.json"));

    private static readonly HttpClient Client = new();

    private readonly FakeTimeProvider _receiverClock = new(Now);
    private WebApplication? _receiver;
    private Uri _hookUrl = null!;
    private byte[]? _receivedBody;
    private string? _receivedContentType;

    /// <summary>A test-only receiver on 127.0.0.1 that checks <c>X-Tracktile-Signature</c> (or <c>X-Erp-Signature</c> on /erp-hook).</summary>
    public async Task InitializeAsync()
    {
        string address;
        (_receiver, address) = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/hook", (HttpRequest request) => VerifyAsync(request, WebhookSender.DefaultHeader, _receiverClock));
            app.MapPost("/erp-hook", (HttpRequest request) => VerifyAsync(request, "X-Erp-Signature", TimeProvider.System));
        });
        _hookUrl = new Uri(address + "/hook");
    }

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task SendAsync_ValidSecret_ReceiverVerifiesExactBytes()
    {
        var result = await WebhookSender.SendAsync(Client, _hookUrl, Secret, Body, WebhookSender.DefaultHeader, new FakeTimeProvider(Now));

        Assert.Equal(200, result.StatusCode);
        Assert.True(result.IsSuccess);
        Assert.Equal(Body, _receivedBody);
        Assert.Equal("application/json", _receivedContentType);
    }

    [Fact]
    public async Task SendAsync_WrongSecret_ReceiverRejects()
    {
        var result = await WebhookSender.SendAsync(Client, _hookUrl, "another-secret", Body, WebhookSender.DefaultHeader, new FakeTimeProvider(Now));

        Assert.Equal(401, result.StatusCode);
        Assert.Equal(nameof(WebhookSignatureFailure.NoMatchingSignature), result.Body);
    }

    [Fact]
    public async Task SendAsync_ClockTenMinutesBehind_ReceiverRejectsTimestamp()
    {
        var result = await WebhookSender.SendAsync(
            Client, _hookUrl, Secret, Body, WebhookSender.DefaultHeader, new FakeTimeProvider(Now.AddMinutes(-10)));

        Assert.Equal(401, result.StatusCode);
        Assert.Equal(nameof(WebhookSignatureFailure.TimestampTooOld), result.Body);
    }

    [Fact]
    public async Task RunAsync_SecretFromEnvironmentAndCustomHeader_Exit0AndPrintsStatus()
    {
        var variable = "SANDBOX_TEST_SECRET_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, Secret);
        var file = Path.Combine(AppContext.BaseDirectory, "Fixtures", "events", "order.status.changed.json");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode;
        try
        {
            exitCode = await WebhookCommand.RunAsync(
                ["--url", new Uri(_hookUrl, "/erp-hook").ToString(), "--secret-env", variable, "--file", file, "--header", "X-Erp-Signature"],
                output,
                error);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Assert.Equal(0, exitCode);
        Assert.StartsWith("HTTP 200", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(Body, _receivedBody);
    }

    [Fact]
    public async Task RunAsync_ReceiverRejects_Exit1()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "Fixtures", "events", "order.status.changed.json");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await WebhookCommand.RunAsync(["--url", _hookUrl.ToString(), "--secret", "another-secret", "--file", file], output, error);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("HTTP 401", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--url", "http://127.0.0.1:1/hook", "--file", "x.json")]
    [InlineData("--url", "http://127.0.0.1:1/hook", "--file", "x.json", "--secret", "s", "--secret-env", "HOME")]
    [InlineData("--url", "http://127.0.0.1:1/hook", "--file", "x.json", "--secret-env", "SANDBOX_TEST_UNSET_VARIABLE")]
    [InlineData("--url", "http://127.0.0.1:1/hook", "--secret", "s", "--bogus", "x")]
    public async Task RunAsync_BadArguments_Exit2WithUsage(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await WebhookCommand.RunAsync(args, output, error);

        Assert.Equal(2, exitCode);
        Assert.Contains("usage: send-webhook", error.ToString(), StringComparison.Ordinal);
        Assert.Null(_receivedBody);
    }

    private async Task<IResult> VerifyAsync(HttpRequest request, string header, TimeProvider clock)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        _receivedBody = buffer.ToArray();
        _receivedContentType = request.ContentType;
        var verifier = new WebhookSignatureVerifier([Secret], TimeSpan.FromMinutes(5), clock);
        var failure = verifier.TryVerify(request.Headers[header].ToString(), _receivedBody);
        return failure == WebhookSignatureFailure.None
            ? Results.Text("OK")
            : Results.Text(failure.ToString(), statusCode: StatusCodes.Status401Unauthorized);
    }
}
