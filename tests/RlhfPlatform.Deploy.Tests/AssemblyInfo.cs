// The environment tests set a container's environment on this process (as the container would have it) while
// `serve`'s settings and host are built: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
