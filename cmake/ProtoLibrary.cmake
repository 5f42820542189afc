# seedance_proto_library(NAME
#   ROOTS dir...        import roots, searched in order
#   PROTOS file...      .proto files relative to a root
#   GRPC_PROTOS file... those of PROTOS that also get gRPC stubs)
# Compiles the protos once into a static library whose headers are found as
# "<path>.pb.h" / "<path>.grpc.pb.h".
function(seedance_proto_library name)
  cmake_parse_arguments(ARG "" "" "ROOTS;PROTOS;GRPC_PROTOS" ${ARGN})
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/${name}_gen)
  file(MAKE_DIRECTORY ${gen_dir})
  get_target_property(grpc_plugin gRPC::grpc_cpp_plugin LOCATION)
  set(include_args)
  foreach(root ${ARG_ROOTS})
    list(APPEND include_args -I${root})
  endforeach()
  set(srcs)
  foreach(rel ${ARG_PROTOS})
    set(abs "")
    foreach(root ${ARG_ROOTS})
      if(NOT abs AND EXISTS ${root}/${rel})
        set(abs ${root}/${rel})
      endif()
    endforeach()
    if(NOT abs)
      message(FATAL_ERROR "${rel} not found under ${ARG_ROOTS}")
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(outs ${gen_dir}/${stem}.pb.cc ${gen_dir}/${stem}.pb.h)
    set(grpc_args)
    if(rel IN_LIST ARG_GRPC_PROTOS)
      list(APPEND outs ${gen_dir}/${stem}.grpc.pb.cc ${gen_dir}/${stem}.grpc.pb.h)
      set(grpc_args --grpc_out=${gen_dir} --plugin=protoc-gen-grpc=${grpc_plugin})
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc ${include_args} --cpp_out=${gen_dir} ${grpc_args} ${abs}
      DEPENDS ${abs} protobuf::protoc gRPC::grpc_cpp_plugin
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND srcs ${outs})
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} SYSTEM PUBLIC ${gen_dir})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf gRPC::grpc++)
endfunction()
