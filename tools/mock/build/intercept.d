/work/main/tools/mock/build/intercept.o: \
 /work/main/tools/mock/src/intercept.c /work/main/tools/mock/src/mock.h
/work/main/tools/mock/src/mock.h:
