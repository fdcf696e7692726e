namespace TracktileFunctions.LoadDriver;

internal static class Usage
{
    public const string Text = """
        Usage (from the repository root):
          dotnet run -c Release --project tests/TracktileFunctions.LoadDriver -- products --sizes 1000,10000,100000 [options]

        For each size: the seed's sequential loop, then the app's product batch (ProductSyncService.RunAsync plus its
        queue functions under the real queue extension), then the hand-off (the batch alone against raw enqueue of
        the same messages), each in a fresh child process against a fresh sandbox (and, for the app and the
        hand-off, a fresh Azurite behind a counting proxy). Prints a Markdown table and writes it, with a
        .json of every figure, to tests/TracktileFunctions.LoadDriver/LoadDriverResults/.

        Options:
          --sizes N,N,...      products per run (required)
          --latency-ms MS      the sandbox's delay before every Tracktile and ERP answer (20)
          --cap N              the ERP concurrency cap, Erp:Resilience:MaxConcurrency (8); the ERP-side bound is cap / latency
          --seed-max N         the seed loop stops after N products and its rate is reported as such (default: all)
          --set Key=Value      an app setting, repeatable (Key:Sub or Key__Sub), e.g. --set ProductSync:PageSize=100
          --pagination MODE    Tracktile:Api:Products:Pagination for the app and the sandbox: OffsetEnvelope (default),
                               CursorEnvelope or BareArray
          --functions A,B      the app's queue functions to run (ProductUpsertFunction)
          --timeout-s S        the longest a scenario may take (default 120 s + 50 ms per product)
          --stall-s S          fail a scenario in which nothing moved for S seconds (60)
          --log-level LEVEL    the app's log level, shown on stderr (Warning)
          --out DIR            where the results go
          --no-proxy           give the app Azurite directly: storage operations are not counted
          --skip-seed          leave out the seed loop
          --skip-app           leave out the app's full run
          --skip-handoff       leave out the hand-off
          --handoff-latency-ms MS  the sandbox's delay in the hand-off (0: Tracktile's reads at full speed)
          --handoff-rounds N   hand-off rounds of each side, alternating; the median after the first counts (3)

        The webhook events (issue 16; see README.md, "Webhook events"):
          dotnet run -c Release --project tests/TracktileFunctions.LoadDriver -- events --count 2000 --callers 1,16 [options]

        Ingest (read, verify, route, enqueue) against raw QueueClient.SendMessageAsync of the same message, alternating
        in one child; then webhook -> ERP effect through the order, shipment and inventory queue functions against
        the slower of the raw queue and cap / latency, with the storage operations per event kind.

        Options:
          --count N            ingest: events per contender and number of callers (2000)
          --callers N,N        ingest: concurrent callers (1,16)
          --rounds N           ingest: alternating rounds the events are split over (10)
          --counted N          ingest: events of the counted run of each contender, through the proxy (300)
          --no-http            ingest: leave out the row through Kestrel
          --phases A,B         end to end: orders, shipments, inventory, mixed (all four)
          --e2e-count N        end to end: events per phase (--count, at most 1000)
          --e2e-warmup N       end to end: events of an untimed mixed warm-up phase first (90; 0: none)
          --e2e-callers N      end to end: concurrent callers sending the webhooks (16)
          --latency-ms MS      the sandbox's delay before every Tracktile and ERP answer (20)
          --cap N              Erp:Resilience:MaxConcurrency and Tracktile:Api:Resilience:MaxConcurrency (8)
          --idle-s S           end to end: how long idle polling is counted, after the warm-up (10)
          --set Key=Value      an app setting, repeatable
          --timeout-s S        the longest a phase may take (120 s + 200 ms per event)
          --stall-s S          fail a phase in which nothing moved for S seconds (150: above the storage SDK's 100 s network timeout)
          --log-level LEVEL    the app's log level, shown on stderr (Warning)
          --out DIR            where the results go
          --skip-ingest        only the end-to-end phases (their bound is then cap / latency alone)
          --skip-e2e           only ingest
        """;
}
