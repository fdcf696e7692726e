using Microsoft.AspNetCore.Http.Features;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>
/// Makes every ERP write with an <c>Idempotency-Key</c> take effect at most once. The first successful (2xx)
/// answer to a key is stored; a repeat with the same method and path gets it replayed without running again (a
/// 201 replays as 200, with <c>Idempotent-Replayed: true</c>). Requests with the same key run one after the other,
/// so racing duplicates cannot both take effect. A failed answer is not stored: nothing happened, so a retry runs.
/// The same key on another method or path answers 422.
/// </summary>
internal sealed class IdempotencyMiddleware(RequestDelegate next, SandboxState state)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[HeaderName].ToString();
        if (key.Length == 0)
        {
            await next(context);
            return;
        }

        var gate = state.IdempotencyGate(key);
        await gate.WaitAsync(context.RequestAborted);
        try
        {
            if (state.TryGetIdempotentResponse(key, out var stored))
            {
                await ReplayAsync(context, key, stored);
                return;
            }

            var response = context.Response;
            var original = response.Body;
            using var buffer = new MemoryStream();
            response.Body = buffer;
            try
            {
                await next(context);
            }
            finally
            {
                response.Body = original;
            }

            var body = buffer.ToArray();
            if (response.StatusCode is >= 200 and < 300)
            {
                state.StoreIdempotentResponse(key, new IdempotentResponse(
                    context.Request.Method, context.Request.Path.Value ?? string.Empty, response.StatusCode, response.ContentType, body));
            }

            await original.WriteAsync(body, context.RequestAborted);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task ReplayAsync(HttpContext context, string key, IdempotentResponse stored)
    {
        var request = context.Request;
        if (!string.Equals(stored.Method, request.Method, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(stored.Path, request.Path.Value, StringComparison.Ordinal))
        {
            await SandboxErrors.Erp(
                    StatusCodes.Status422UnprocessableEntity,
                    "idempotency_key_reused",
                    $"Idempotency-Key '{key}' was first used for {stored.Method} {stored.Path}.")
                .ExecuteAsync(context);
            return;
        }

        context.Features.GetRequiredFeature<CallFeature>().Replayed = true;
        var response = context.Response;
        response.StatusCode = stored.StatusCode == StatusCodes.Status201Created ? StatusCodes.Status200OK : stored.StatusCode;
        response.ContentType = stored.ContentType;
        response.Headers[ReplayedHeaderName] = "true";
        await response.Body.WriteAsync(stored.Body, context.RequestAborted);
    }
}
