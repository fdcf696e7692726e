using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using TracktileFunctions.Sandbox.Faults;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>
/// Applies <see cref="SandboxState.Latency"/>, then the first matching <see cref="FaultRule"/>. Every fault but
/// <see cref="FaultKind.Latency"/> answers here, so the request never reaches the fakes and has no effect.
/// </summary>
internal sealed class FaultMiddleware(RequestDelegate next, SandboxState state, IHostApplicationLifetime lifetime)
{
    /// <summary>What a misconfigured proxy sends: HTML, labelled JSON.</summary>
    public const string MalformedBody = "<html><body><h1>502 Bad Gateway</h1></body></html>";

    public async Task InvokeAsync(HttpContext context)
    {
        if (state.Latency is { } latency && !await WaitAsync(context, latency))
        {
            return;
        }

        var rule = state.TakeFault(context.Request.Method, context.Request.Path.Value ?? string.Empty);
        if (rule is null)
        {
            await next(context);
            return;
        }

        context.Features.GetRequiredFeature<CallFeature>().Fault = rule.Kind;
        var request = context.Request;
        switch (rule.Kind)
        {
            case FaultKind.Latency:
                if (await WaitAsync(context, rule.EffectiveDelay))
                {
                    await next(context);
                }

                break;
            case FaultKind.Error:
                await SandboxErrors.For(request, rule.EffectiveStatusCode, rule.ErrorCode, rule.Message).ExecuteAsync(context);
                break;
            case FaultKind.RateLimit:
                var seconds = (long)Math.Ceiling(rule.RetryAfter.TotalSeconds);
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await SandboxErrors.For(request, StatusCodes.Status429TooManyRequests, "rate_limited", rule.Message).ExecuteAsync(context);
                break;
            case FaultKind.Timeout:
                if (await WaitAsync(context, rule.EffectiveDelay))
                {
                    await SandboxErrors.For(request, StatusCodes.Status504GatewayTimeout, "timeout", rule.Message).ExecuteAsync(context);
                }

                break;
            case FaultKind.Malformed:
                context.Response.StatusCode = rule.EffectiveStatusCode;
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.WriteAsync(MalformedBody, context.RequestAborted);
                break;
            case FaultKind.StalledBody:
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.WriteAsync("[", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                using (var stall = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping))
                {
                    await Task.Delay(rule.EffectiveDelay, stall.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }

                context.Abort();
                break;
            case FaultKind.LostAnswer:
                var answer = context.Response.Body;
                context.Response.Body = Stream.Null; // the answer is made, and never sent
                try
                {
                    await next(context);
                }
                finally
                {
                    context.Response.Body = answer;
                }

                using (var hold = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping))
                {
                    await Task.Delay(rule.EffectiveDelay, hold.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }

                context.Abort();
                break;
            default:
                throw new InvalidOperationException($"Unknown fault kind {rule.Kind}.");
        }
    }

    /// <summary>
    /// Waits <paramref name="delay"/>. False when cut short: the client left (nothing to answer) or the sandbox is
    /// stopping (answered 503).
    /// </summary>
    private async Task<bool> WaitAsync(HttpContext context, TimeSpan delay)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(delay, cancel.Token);
            return true;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await SandboxErrors.For(context.Request, StatusCodes.Status503ServiceUnavailable, "stopping", "The sandbox is stopping.")
                    .ExecuteAsync(context);
            }

            return false;
        }
    }
}
