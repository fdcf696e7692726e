using System.Net.Http.Headers;
using System.Text;
using TracktileFunctions.Sandbox.Recording;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>
/// Records every request to the fakes in <see cref="SandboxState.Calls"/>. The record is added just before the
/// answer's first byte is sent, so a client that has its answer always finds its call recorded. A
/// <see cref="BodyFilter"/> given to <c>UseMiddleware</c> rewrites the body kept (e.g. to redact credentials).
/// </summary>
internal sealed class RecordingMiddleware(RequestDelegate next, SandboxState state, RecordingMiddleware.BodyFilter? filter = null)
{
    /// <summary>Rewrites a request body before it is recorded.</summary>
    public delegate string BodyFilter(string body);

    /// <summary>The status recorded when the client gave up before the answer (nginx's "client closed request").</summary>
    public const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var time = state.TimeProvider.GetUtcNow();
        request.EnableBuffering();
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        request.Body.Position = 0;

        var feature = new CallFeature();
        context.Features.Set(feature);
        var recorded = false;
        void Record(int status)
        {
            if (recorded)
            {
                return;
            }

            recorded = true;
            var aborted = context.RequestAborted.IsCancellationRequested;
            var authorization = request.Headers.Authorization.ToString();
            state.RecordCall(new SandboxCall(
                time,
                request.Method,
                request.Path.Value ?? string.Empty,
                request.QueryString.Value ?? string.Empty,
                request.ContentType,
                HasAuthorization: authorization.Length > 0,
                AuthorizationScheme: AuthenticationHeaderValue.TryParse(authorization, out var parsed) ? parsed.Scheme : null,
                ApiKey: HeaderOrNull(request, "X-Api-Key"),
                IdempotencyKey: HeaderOrNull(request, "Idempotency-Key"),
                filter is null ? body : filter(body),
                aborted ? ClientClosedRequest : status,
                feature.Fault,
                feature.Replayed,
                aborted));
        }

        context.Response.OnStarting(() =>
        {
            Record(context.Response.StatusCode);
            return Task.CompletedTask;
        });

        try
        {
            await next(context);
        }
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            Record(StatusCodes.Status500InternalServerError);
            throw;
        }
        finally
        {
            Record(context.Response.StatusCode);
        }
    }

    private static string? HeaderOrNull(HttpRequest request, string name)
        => request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;
}
