using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>
/// Runs before <see cref="FaultMiddleware"/> on <c>/quickbooks/</c>: every answer gets an <c>intuit_tid</c> header, and
/// the error bodies of injected faults (<see cref="FaultKind.Error"/>, <see cref="FaultKind.RateLimit"/>,
/// <see cref="FaultKind.Timeout"/>), which <see cref="SandboxErrors"/> writes in the ERP's <c>{code, message}</c> for
/// paths it does not know, are rewritten in QuickBooks' shape: a Fault (XML unless JSON is accepted) on the API, with
/// a numeric <see cref="FaultRule.ErrorCode"/> kept as the fault's code (e.g. "5010"); Intuit's <c>{error}</c> on OAuth.
/// Other faults (malformed, stalled, lost answers, latency) pass untouched.
/// </summary>
internal sealed class QboFrontMiddleware(RequestDelegate next, SandboxState state)
{
    public async Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers[QboWire.TidHeader] = QboWire.NewTid();
        var feature = context.Features.Get<CallFeature>();
        var original = context.Response.Body;
        await using var filter = new FaultBodyFilter(original, () => feature?.Fault is FaultKind.Error or FaultKind.RateLimit or FaultKind.Timeout);
        context.Response.Body = filter;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        if (!filter.Swallowed || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var (code, message) = ReadErpError(filter.SwallowedBytes);
        var status = context.Response.StatusCode;
        byte[] body;
        string contentType;
        if (QboPaths.IsApi(context.Request.Path))
        {
            var now = state.TimeProvider.GetUtcNow();
            var json = QboWire.WantsJson(context.Request);
            if (status == StatusCodes.Status401Unauthorized)
            {
                (body, contentType) = QboWire.AuthenticationFault(now, message, json);
            }
            else
            {
                var fault = status == StatusCodes.Status429TooManyRequests ? QboWire.ThrottleBody(now)
                    : code is not null ? QboWire.FaultBody(now, code, message, message)
                    : status >= 500 ? QboWire.FaultBody(now, "10000", "An application error has occurred while processing your request", "System Failure Error: " + message, null, "SystemFault")
                    : QboWire.FaultBody(now, "6000", "A business validation error has occurred while processing your request", "Business Validation Error: " + message);
                (body, contentType) = QboWire.Render(fault, json && !(status == StatusCodes.Status429TooManyRequests && state.QuickBooksThrottleAnswersXml));
            }
        }
        else
        {
            body = Encoding.UTF8.GetBytes(QuickBooksEndpoints.OAuthFaultBody(status, message).ToJsonString());
            contentType = QboWire.JsonContentType;
        }

        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await original.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>The <c>code</c> (kept only when numeric, like QuickBooks' codes) and <c>message</c> of the sandbox's generic error body.</summary>
    private static (string? Code, string Message) ReadErpError(byte[] body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject error)
            {
                var code = error["code"] is JsonValue c && c.TryGetValue<string>(out var s) && s.Length > 0 && s.All(char.IsAsciiDigit) ? s : null;
                var message = error["message"] is JsonValue m && m.TryGetValue<string>(out var t) ? t : "Injected by the sandbox.";
                return (code, message);
            }
        }
        catch (JsonException)
        {
            // not the generic body: keep the defaults
        }

        return (null, "Injected by the sandbox.");
    }

    /// <summary>Passes writes through, except while the request's fault is one whose body is rewritten: those are kept aside.</summary>
    private sealed class FaultBodyFilter(Stream inner, Func<bool> swallow) : Stream
    {
        private readonly MemoryStream _swallowed = new();

        public bool Swallowed { get; private set; }

        public byte[] SwallowedBytes => _swallowed.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
            if (!Swallowed && !swallow())
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
            => Swallowed || swallow() ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Swallowed || swallow())
            {
                Swallowed = true;
                _swallowed.Write(buffer);
                return;
            }

            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Swallowed || swallow())
            {
                Swallowed = true;
                _swallowed.Write(buffer.Span);
                return ValueTask.CompletedTask;
            }

            return inner.WriteAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _swallowed.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
