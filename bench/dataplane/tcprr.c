/*
 * tcprr: netperf's TCP_RR and TCP_CRR, which Debian's archive here does not carry, over plain sockets.
 *   tcprr server PORT                            answer each 1-byte request with 1 byte, one connection at a time
 *   tcprr rr  ADDRESS PORT SECONDS [SOURCE]      one connection, request/response back to back
 *   tcprr crr ADDRESS PORT SECONDS [SOURCE]      connect, request, response, close, again
 * The clients print "transactions=N seconds=S rate=R". 1-byte messages, TCP_NODELAY: netperf's defaults.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int connected(const char *address, int port, const char *source)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (fd < 0)
		die("socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (source) {
		struct sockaddr_in local = { .sin_family = AF_INET };
		inet_pton(AF_INET, source, &local.sin_addr);
		setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0)
			die("bind");
	}
	struct sockaddr_in remote = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, address, &remote.sin_addr) != 1)
		die("address");
	if (connect(fd, (struct sockaddr *)&remote, sizeof remote) < 0)
		die("connect");
	return fd;
}

static int exchange(int fd)
{
	char b = 'x';
	return write(fd, &b, 1) == 1 && read(fd, &b, 1) == 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server")) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
		if (bind(fd, (struct sockaddr *)&any, sizeof any) < 0 || listen(fd, 128) < 0)
			die("listen");
		for (;;) {
			int c = accept(fd, NULL, NULL);
			if (c < 0)
				continue;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			char b;
			while (read(c, &b, 1) == 1 && write(c, &b, 1) == 1)
				;
			close(c);
		}
	}
	if (argc < 5 || (strcmp(argv[1], "rr") && strcmp(argv[1], "crr"))) {
		fprintf(stderr, "usage: tcprr server PORT | tcprr rr|crr ADDRESS PORT SECONDS [SOURCE]\n");
		return 2;
	}
	int crr = !strcmp(argv[1], "crr"), port = atoi(argv[3]);
	const char *source = argc > 5 ? argv[5] : NULL;
	double seconds = atof(argv[4]), start = now(), end = start + seconds, t = start;
	long transactions = 0;
	int fd = crr ? -1 : connected(argv[2], port, source);
	while ((t = now()) < end) {
		if (crr)
			fd = connected(argv[2], port, source);
		if (!exchange(fd))
			die("exchange");
		transactions++;
		if (crr)
			close(fd);
	}
	if (!crr)
		close(fd);
	printf("transactions=%ld seconds=%.3f rate=%.1f\n", transactions, t - start, transactions / (t - start));
	return 0;
}
