using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TracktileFunctions.Sandbox.BusinessCentral;
using TracktileFunctions.Sandbox.Hosting;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Sandbox.Webhooks;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    /// <summary>How long a delivery waits for the receiver's answer (Tracktile documents no timeout).</summary>
    public static readonly TimeSpan TracktileHookTimeout = TimeSpan.FromSeconds(5);

    private readonly List<TracktileHook> _tracktileHooks = [];
    private readonly List<TracktileHookDelivery> _tracktileHookDeliveries = [];
    private int _nextTracktileHook = 1;
    private int _tracktileHookRotations;

    /// <summary>The webhook registrations, oldest first, each with its current secret (for tests; the API never lists it).</summary>
    public IReadOnlyList<TracktileHook> TracktileHooks
    {
        get
        {
            lock (_gate)
            {
                return [.. _tracktileHooks];
            }
        }
    }

    /// <summary>How many times a hook's secret was rotated (<c>POST /tracktile/hooks/{id}/rotate</c> or <see cref="RotateTracktileHook"/>).</summary>
    public int TracktileHookRotations
    {
        get
        {
            lock (_gate)
            {
                return _tracktileHookRotations;
            }
        }
    }

    /// <summary>Every delivery <see cref="DeliverTracktileEventAsync"/> made, oldest first.</summary>
    public IReadOnlyList<TracktileHookDelivery> TracktileHookDeliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _tracktileHookDeliveries];
            }
        }
    }

    /// <summary>Registers a hook as if made in Tracktile (no API call recorded); returns it with its secret.</summary>
    /// <exception cref="ArgumentException">A field is empty or <paramref name="url"/> is not absolute http(s).</exception>
    public TracktileHook SeedTracktileHook(string name, Uri url, string on)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(on);
        if (!TracktileHookEndpoints.IsHookUrl(url))
        {
            throw new ArgumentException("A hook's url must be an absolute http or https URL.", nameof(url));
        }

        return CreateTracktileHook(name, url, on);
    }

    /// <summary>Rotates a hook's secret as a person would in Tracktile's UI: the old one stops at once. Returns the new one.</summary>
    /// <exception cref="ArgumentException">There is no hook <paramref name="id"/>.</exception>
    public string RotateTracktileHook(string id)
        => TryRotateTracktileHook(id)?.Secret ?? throw new ArgumentException($"There is no Tracktile hook '{id}'.", nameof(id));

    /// <summary>
    /// Delivers an event as Tracktile does: reads its <c>kind</c> (and <c>id</c>), then, one hook after the other, POSTs
    /// the exact UTF-8 bytes of <paramref name="json"/> to every hook whose <c>on</c> is that kind, as
    /// <c>application/json</c> with <c>X-Tracktile-Signature: t=&lt;now&gt;,v1=&lt;HMAC&gt;</c> keyed with the hook's secret
    /// as it is at the moment of sending. No retries (Tracktile documents none); each answer waited for at most
    /// <see cref="TracktileHookTimeout"/>; only loopback targets are called (others are recorded with no status).
    /// </summary>
    /// <returns>Each hook delivered to, with the receiver's status (null when none came).</returns>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a JSON object with a string <c>kind</c>.</exception>
    public async Task<IReadOnlyList<(string HookId, int? Status)>> DeliverTracktileEventAsync(string json, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var (kind, eventId) = ReadEventEnvelope(json);
        var body = Encoding.UTF8.GetBytes(json);

        List<string> targets;
        lock (_gate)
        {
            targets = [.. _tracktileHooks.Where(h => string.Equals(h.On, kind, StringComparison.Ordinal)).Select(h => h.Id)];
        }

        var results = new List<(string HookId, int? Status)>();
        foreach (var hookId in targets)
        {
            ct.ThrowIfCancellationRequested();
            TracktileHook? hook;
            DateTimeOffset sentAt;
            string signature;
            lock (_gate)
            {
                // The secret is read right before sending: a rotation a moment ago is already in force.
                hook = _tracktileHooks.Find(h => h.Id == hookId);
                if (hook is null)
                {
                    continue; // deleted meanwhile
                }

                sentAt = TimeProvider.GetUtcNow();
                signature = WebhookSignatureVerifier.Sign(hook.Secret, sentAt, body);
            }

            int? status = null;
            var timedOut = false;
            if (BcNotifier.IsAllowed(hook.Url))
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var message = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = content };
                message.Headers.TryAddWithoutValidation(WebhookSender.DefaultHeader, signature);
                var answer = await LoopbackPost.SendAsync(message, TracktileHookTimeout, readBody: false, ct);
                (status, timedOut) = (answer.Status, answer.TimedOut);
            }

            lock (_gate)
            {
                _tracktileHookDeliveries.Add(new TracktileHookDelivery(hookId, kind, eventId, hook.Url, status, timedOut, sentAt));
            }

            results.Add((hookId, status));
        }

        return results;
    }

    internal TracktileHook CreateTracktileHook(string name, Uri url, string on)
    {
        lock (_gate)
        {
            var hook = new TracktileHook(
                "hook_" + _nextTracktileHook++.ToString(CultureInfo.InvariantCulture), name, url, on, TimeProvider.GetUtcNow(), NewTracktileHookSecret());
            _tracktileHooks.Add(hook);
            return hook;
        }
    }

    /// <summary>Replaces the fields given (null: unchanged); null when there is no such hook.</summary>
    internal TracktileHook? UpdateTracktileHook(string id, string? name, Uri? url, string? on)
    {
        lock (_gate)
        {
            var index = _tracktileHooks.FindIndex(h => h.Id == id);
            if (index < 0)
            {
                return null;
            }

            var old = _tracktileHooks[index];
            var hook = old with { Name = name ?? old.Name, Url = url ?? old.Url, On = on ?? old.On };
            _tracktileHooks[index] = hook;
            return hook;
        }
    }

    internal bool DeleteTracktileHook(string id)
    {
        lock (_gate)
        {
            return _tracktileHooks.RemoveAll(h => h.Id == id) > 0;
        }
    }

    /// <summary>Gives the hook a new secret (the old one stops at once); null when there is no such hook.</summary>
    internal TracktileHook? TryRotateTracktileHook(string id)
    {
        lock (_gate)
        {
            var index = _tracktileHooks.FindIndex(h => h.Id == id);
            if (index < 0)
            {
                return null;
            }

            var hook = _tracktileHooks[index] with { Secret = NewTracktileHookSecret() };
            _tracktileHooks[index] = hook;
            _tracktileHookRotations++;
            return hook;
        }
    }

    private static string NewTracktileHookSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static (string Kind, string? EventId) ReadEventEnvelope(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() is { Length: > 0 } text)
            {
                var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
                return (text, id);
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new ArgumentException("The event must be a JSON object with a non-empty string 'kind'.", nameof(json));
    }

    private void ResetTracktileHooks()
    {
        _tracktileHooks.Clear();
        _tracktileHookDeliveries.Clear();
        _nextTracktileHook = 1;
        _tracktileHookRotations = 0;
    }
}
